"""Shared fixtures and helpers: the test seed corpus, a fixed clock, a site, ``--update-golden``,
:func:`require` for programs a fresh machine may lack, and :func:`wait_until` for every poll."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from seedfeed.config import Config
from seedfeed.model import Site

TESTS = Path(__file__).parent
SEEDS = TESTS / "seeds"
GOLDEN = TESTS / "golden"
PROJECT = TESTS.parent
SHIPPED_SEED = PROJECT / "seeds" / "2023-09-17-kim-jong-un-zakljucil-obisk-rusije.txt"
NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)

#: The environment variable naming (comma-separated) the programs that must be there: CI sets it.
REQUIRE = "SEEDFEED_REQUIRE"
#: What :data:`REQUIRE` may name: the W3C validator (a wheel), Chromium, nginx, newsboat and
#: Node.js with npm (Debian packages).
REQUIRABLE = frozenset({"w3c", "chromium", "nginx", "newsboat", "node"})
#: How long :func:`wait_until` waits by default: generous for a loaded CI machine.
WAIT = 20.0


def require(name: str, available: bool, reason: str) -> None:
    """Skip the calling test with ``reason`` unless ``available``; fail instead if ``$SEEDFEED_REQUIRE`` names ``name``.

    A fresh machine without Chromium, nginx or the W3C validator still runs the
    README's test command to the end, each missing program a stated skip; CI,
    which installs them, names them so that it cannot pass by skipping.
    """
    required = {part.strip() for part in os.environ.get(REQUIRE, "").split(",") if part.strip()}
    if unknown := required - REQUIRABLE:  # a typo must not quietly require nothing
        pytest.fail(f"{REQUIRE} names {sorted(unknown)}; it may name {sorted(REQUIRABLE)}", pytrace=False)
    if available:
        return
    if name in required:
        pytest.fail(f"{reason}, and {REQUIRE} requires {name}", pytrace=False)
    pytest.skip(reason)


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT, poll: float = 0.01) -> float:
    """Poll ``condition`` until it is true; the seconds that took. Fails naming ``what`` after ``timeout`` s.

    An exception from ``condition`` (an assertion that a server process is
    still alive, say) ends the wait at once.
    """
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(poll)
    return time.monotonic() - start


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files (tests/seeds/*.json, tests/golden/*) from the current code",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def make_config(tmp_path: Path):
    """A config whose seeds, output and state live in a fresh temporary directory."""

    def make(seeds: Path | None = None, **site: object) -> Config:
        seeds_dir = seeds or tmp_path / "seeds"
        seeds_dir.mkdir(exist_ok=True)
        return Config(
            site=Site(**site),  # type: ignore[arg-type]
            seeds=seeds_dir,
            out=tmp_path / "feeds",
            state=tmp_path / ".seedfeed" / "state.sqlite3",
        )

    return make


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the test seed corpus (good and bad seeds) that a test may change."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target, ignore=shutil.ignore_patterns("*.json"))
    return target


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A seeds directory holding only the shipped real article."""
    target = tmp_path / "seeds"
    target.mkdir()
    shutil.copy(SHIPPED_SEED, target)
    return target


@pytest.fixture(autouse=True)
def _reset_seedfeed_logger():
    """``cli.main`` configures the "seedfeed" logger; undo it so caplog sees every test's records."""
    yield
    for name in ("seedfeed", "waitress", "waitress.queue"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
