"""Every published feed passes the W3C Feed Validation Service's own code with no error and no warning.

The service cannot be reached from CI; its validator (w3c/feedvalidator, not
on PyPI) is installed as a wheel with ``pip install
../shared/wheels/feedvalidator-*.whl html5lib`` (``.ci/run`` does; see
``../shared/wheels/README.md``), and run here exactly as the service filters
its results (``compatibility.AA``: errors and warnings, not informational
notes). Without it these tests are skipped with that reason, or fail when
``SEEDFEED_REQUIRE`` names ``w3c``.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from seedfeed.build import build

from .conftest import NOW, require

#: The one deliberate exception: the hostile test seed whose *title* and *source name* are
#: literal text that looks like markup (``<b>Bold</b>``). They are text, written as text in
#: both formats so that every reader shows them as the seed wrote them; the validator's
#: heuristic guesses HTML from the end tag and warns. See docs/validity.md.
HOSTILE = {("ContainsHTML", "title"), ("ContainsHTML", "source"), ("ContainsUndeclaredHTML", "title")}

Findings = list[tuple[str, str | None, Any]]


@pytest.fixture(scope="module")
def w3c() -> Callable[[bytes, str], Findings]:
    """(message, element, line) of every error and warning the service would show for a document at a URL."""
    missing = [name for name in ("feedvalidator", "html5lib") if importlib.util.find_spec(name) is None]
    require(
        "w3c",
        not missing,
        f"the W3C feed validator needs {' and '.join(missing)}: "
        "pip install ../shared/wheels/feedvalidator-*.whl html5lib (see ../shared/wheels/README.md)",
    )
    with warnings.catch_warnings():  # 2002-era code: invalid escape sequences and the like
        warnings.simplefilter("ignore")
        import feedvalidator
        from feedvalidator import compatibility

    def validate(data: bytes, url: str) -> Findings:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events = feedvalidator.validateString(data, firstOccurrenceOnly=0, base=url)["loggedEvents"]
        return [(type(e).__name__, e.params.get("element"), e.params.get("line")) for e in compatibility.AA(events)]

    return validate


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The test corpus with small pages, so there are archive pages and tag and source feeds too."""
    import shutil

    from seedfeed.config import load_config

    from .conftest import SEEDS

    root = tmp_path_factory.mktemp("w3c")
    shutil.copytree(SEEDS, root / "seeds", ignore=shutil.ignore_patterns("*.json"))
    for n in range(3):  # three seeds dated only by the same day: unique updated values, no made-up time
        (root / "seeds" / f"2024-08-02-isti-dan-{n}.txt").write_text(
            f"Isti dan {n}\nBesedilo.\nVir: Reuters, AP\nPreberite tudi\nZgodba https://example.org/z/{n}\n"
        )
    (root / "seedfeed.toml").write_text('[site]\nlimit = 4\npage_size = 2\ntimezone = "Europe/Ljubljana"\n')
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    return config.out


def documents(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*.xml"))


def test_the_corpus_has_every_kind_of_feed(published) -> None:
    names = documents(published)
    assert {"atom.xml", "rss.xml"} <= set(names)
    assert any(n.startswith("archive/") for n in names) and any(n.startswith("tags/") for n in names)
    assert any(n.startswith("sources/") for n in names)


def test_every_feed_passes_the_w3c_validator(published, w3c) -> None:
    for name in documents(published):
        data = (published / name).read_bytes()
        found = w3c(data, f"https://example.org/feeds/{name}")
        if b"html-like-text" in data:
            assert {(message, element) for message, element, _ in found} <= HOSTILE, (name, found)
        else:
            assert found == [], (name, found)


def test_the_validator_is_the_real_one_and_does_find_problems(w3c) -> None:
    """A guard against a validator that passes everything: a duplicate updated is a warning."""
    entry = (
        "<entry><id>tag:example.org,2026:{n}</id><title>t</title><updated>2024-01-01T00:00:00Z</updated>"
        "<author><name>a</name></author><content>c</content></entry>"
    )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<id>tag:example.org,2026:f</id><title>f</title><updated>2024-01-01T00:00:00Z</updated>"
        '<link rel="self" href="https://example.org/f.xml"/>'
        f"{entry.format(n=1)}{entry.format(n=2)}</feed>"
    ).encode()
    assert [(m, e) for m, e, _ in w3c(feed, "https://example.org/f.xml")] == [("DuplicateUpdated", "updated")]


def test_a_lone_archive_page_draws_the_one_warning_it_cannot_avoid(tmp_path, w3c) -> None:
    """RFC 5005 gives the first and only archive page neither prev- nor next-archive; the validator
    wants one of them or fh:complete (which would say the feed is complete: false). Documented."""
    from seedfeed.config import load_config

    (tmp_path / "seeds").mkdir()
    for n in range(5):
        (tmp_path / "seeds" / f"2024-01-0{n + 1}-n{n}.txt").write_text(f"N{n}\nBody.\n")
    (tmp_path / "seedfeed.toml").write_text("[site]\nlimit = 3\npage_size = 3\n")
    config = load_config(tmp_path / "seedfeed.toml")
    build(config, now=NOW)  # 2 of 3 entries in the first and only page
    found = w3c((config.out / "archive/1.atom.xml").read_bytes(), "https://example.org/feeds/archive/1.atom.xml")
    assert [(message, element) for message, element, _ in found] == [("ArchiveIncomplete", "feed")]
    for n in range(5, 8):  # a second page: the first links to it, the warning is gone
        (tmp_path / "seeds" / f"2024-01-0{n + 1}-n{n}.txt").write_text(f"N{n}\nBody.\n")
    build(config, now=NOW)
    for name in ("archive/1.atom.xml", "archive/2.atom.xml"):
        assert w3c((config.out / name).read_bytes(), f"https://example.org/feeds/{name}") == [], name
