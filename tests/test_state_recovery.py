"""The state database is a cache, never a single point of failure.

Corrupt: moved aside with one warning and rebuilt from the seeds and the
published feeds, every id, date and archive page unchanged. Unwritable:
one line and exit 5, the published feeds untouched. Lost: the archive
still holds every article exactly once, each on the page it was published on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.cli import EXIT_OK, EXIT_STATE, main

from .conftest import NOW

SEEDFEED = [sys.executable, "-m", "seedfeed"]


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _write_seeds(seeds: Path, count: int, *, undated: int = 0) -> list[str]:
    """``count`` seeds dated a day apart (the oldest first), and ``undated`` seeds dated by first sight."""
    seeds.mkdir(exist_ok=True)
    names = []
    for n in range(count):
        day = (NOW - timedelta(days=count - n)).date().isoformat()
        name = f"{day}-clanek-{n:04d}.txt"
        (seeds / name).write_text(f"Članek {n}\nBesedilo članka {n}.\n", encoding="utf-8")
        names.append(name)
    for n in range(undated):
        name = f"brez-datuma-{n}.txt"
        (seeds / name).write_text(f"Brez datuma {n}\nBesedilo.\n", encoding="utf-8")
        names.append(name)
    return names


@pytest.fixture
def published(make_config):
    """A config whose feeds were built (over two builds, so first-seen dates differ from the rebuild's)."""
    config = make_config(limit=10, page_size=10)
    _write_seeds(config.seeds, 40, undated=2)
    build(config, now=NOW)
    (config.seeds / "brez-datuma-0.txt").write_text("Brez datuma 0, popravljeno\nNovo besedilo.\n")
    build(config, now=NOW + timedelta(hours=2))
    return config


def _cli_build(config, *extra: str) -> list[str]:
    """``seedfeed build`` with a seedfeed.toml holding the settings and paths of ``config``."""
    toml = config.seeds.parent / "seedfeed.toml"
    toml.write_text(
        f"[site]\nlimit = {config.site.limit}\npage_size = {config.site.page_size}\n"
        f'[paths]\nstate = "{config.state}"\nseeds = "{config.seeds}"\nout = "{config.out}"\n'
    )
    return ["build", "--config", str(toml), *extra]


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"\x8f garbage " * 10),
        lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
    ],
    ids=["100-bytes-of-garbage", "half-truncated"],
)
def test_a_corrupt_state_is_moved_aside_and_rebuilt_with_every_feed_unchanged(published, capsys, damage) -> None:
    config = published
    before = _outputs(config.out)
    damage(config.state)
    assert main(_cli_build(config)) == EXIT_OK

    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"seedfeed: warning: {config.state}: ")
    assert lines[0].endswith("and rebuilt from the seeds and the published feeds")
    assert [p.name.split(".corrupt-")[0] for p in config.state.parent.glob("*.corrupt-*")] == [config.state.name]
    assert _outputs(config.out) == before  # ids, dates (first sightings and edits too) and pages: all kept
    assert main(_cli_build(config)) == EXIT_OK
    assert capsys.readouterr().err == ""


def test_after_state_loss_the_archive_holds_every_article_once_on_its_page(make_config) -> None:
    config = make_config()  # limit 50, page_size 50, as shipped
    names = _write_seeds(config.seeds, 300)
    build(config, now=NOW)
    for name in names[::5]:  # 60 deleted, from every page
        (config.seeds / name).unlink()
    build(config, now=NOW + timedelta(hours=1))
    pages_before = _pages(config.out)

    config.state.unlink()
    build(config, now=NOW + timedelta(days=1))

    assert _pages(config.out) == pages_before
    walked = _walk(config.out)
    assert len(walked) == len(set(walked)) == 240


def _pages(out: Path) -> dict[str, list[str]]:
    return {
        p.name: [e.id for e in feedparser.parse(str(p)).entries] for p in sorted((out / "archive").glob("*.atom.xml"))
    }


def _walk(out: Path) -> list[str]:
    """Every entry id met walking back from atom.xml through prev-archive, as a reader does."""
    ids: list[str] = []
    path: Path | None = out / "atom.xml"
    while path is not None:
        parsed = feedparser.parse(str(path))
        assert parsed.bozo == 0
        ids += [e.id for e in parsed.entries]
        prev = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
        path = out / prev[0].split("/feeds/", 1)[1] if prev else None
    return ids


def test_an_emptied_archive_page_stays_a_valid_page_and_the_fast_path_comes_back(make_config, caplog) -> None:
    config = make_config(limit=5, page_size=5)
    names = _write_seeds(config.seeds, 20)  # pages 1-3 of 5, and 5 in the subscription feed
    build(config, now=NOW)
    for name in names[5:10]:  # every article of page 2
        (config.seeds / name).unlink()
    build(config, now=NOW + timedelta(hours=1))

    page = feedparser.parse(str(config.out / "archive/2.atom.xml"))
    assert (page.bozo, page.entries) == (0, [])
    assert len(_walk(config.out)) == 15
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    report = build(config, now=NOW + timedelta(hours=2))
    assert report.written == ()
    assert "no seed file changed since the last build: nothing read, rendered or written" in caplog.text


# Unwritable state: as root, permission bits do not bind; the build then runs without the
# capabilities that bypass them (setpriv, from util-linux), as an unprivileged operator would.
_UNPRIVILEGED = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"] if os.geteuid() == 0 else []


def _run(config, *extra: str, preexec=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_UNPRIVILEGED, *SEEDFEED, *_cli_build(config, *extra)],
        cwd=config.seeds.parent,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,
    )


def _new_seed(config) -> None:
    (config.seeds / f"{NOW.date().isoformat()}-nov.txt").write_text("Nov članek\nBesedilo.\n")


@pytest.mark.parametrize("unwritable", ["state directory", "lock directory"])
def test_an_unwritable_state_or_lock_directory_is_one_line_and_exit_5(published, unwritable) -> None:
    config = published
    before = _outputs(config.out)
    _new_seed(config)
    if unwritable == "state directory":
        directory = config.state.parent
        config.state.chmod(0o400)
        line = f"{config.state}: the state database is read-only (attempt to write a readonly database)"
    else:
        directory = config.out.parent
        lock = directory / f".{config.out.name}.lock"
        lock.unlink()
        line = f"{lock}: cannot create the lock file: Permission denied"
    mode = directory.stat().st_mode
    directory.chmod(0o555)
    try:
        result = _run(config)
    finally:
        directory.chmod(mode)
    assert result.returncode == EXIT_STATE, result.stderr
    assert result.stderr.splitlines() == [f"seedfeed: error: {line}; no feed was left half-written"]
    assert _outputs(config.out) == before


def test_an_unreadable_state_file_in_a_writable_directory_is_moved_aside_and_rebuilt(published) -> None:
    config = published
    before = _outputs(config.out)
    config.state.chmod(0o000)
    result = _run(config)
    assert result.returncode == EXIT_OK, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"seedfeed: warning: {config.state}: unable to open database file; moved aside to ")
    assert _outputs(config.out) == before


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB file system (tmpfs) where root may mount one; else a 256 KiB file size limit for the build."""
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode == 0:
        yield mount, None
        subprocess.run(["umount", str(mount)], check=True)
        return

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    yield mount, limit


def test_a_full_disk_under_the_state_is_one_line_and_exit_5(make_config, small_disk) -> None:
    mount, preexec = small_disk
    config = make_config()
    config.seeds.mkdir(exist_ok=True)
    state = mount / "state.sqlite3"
    toml = config.seeds.parent / "seedfeed.toml"
    toml.write_text(f'[paths]\nstate = "{state}"\nseeds = "seeds"\nout = "feeds"\n')
    _write_seeds(config.seeds, 5)
    assert subprocess.run([*SEEDFEED, "build", "-q"], cwd=config.seeds.parent, preexec_fn=preexec).returncode == 0
    before = _outputs(config.out)
    body = "Dolgo besedilo, ki napolni disk. " * 200
    for n in range(150):
        (config.seeds / f"2026-10-01-poln-{n:03d}.txt").write_text(f"Poln disk {n}\n{body}\n")

    result = subprocess.run(
        [*SEEDFEED, "build"], cwd=config.seeds.parent, capture_output=True, text=True, preexec_fn=preexec, timeout=120
    )

    assert result.returncode == EXIT_STATE, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"seedfeed: error: {state}: ")
    reason = "the disk is full" if preexec is None else "input/output error on the state database"
    assert reason in lines[0]
    assert _outputs(config.out) == before
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(mount / ".seedfeed")


def test_a_directory_named_as_the_state_is_never_moved_aside(make_config, shipped, tmp_path) -> None:
    from dataclasses import replace

    from seedfeed.errors import StateError

    config = make_config(shipped)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    with pytest.raises(StateError, match="not a regular file"):
        build(replace(config, state=precious), now=NOW)
    assert (precious / "keep.txt").read_text() == "mine"
    assert not list(tmp_path.glob("precious.corrupt-*"))
