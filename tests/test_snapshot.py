"""The last listing: kept in memory by a process that builds again and again, let go by a one-shot build."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from seedfeed.build import build
from seedfeed.ingest.seeds import scan_seeds
from seedfeed.store import snapshot
from seedfeed.store.state import State

from .conftest import NOW

FILES = {f"2024-01-{n:02d}-clanek.txt": (100 + n, 10**18 + n) for n in range(1, 29)}


@pytest.fixture(autouse=True)
def one_shot(monkeypatch) -> None:
    monkeypatch.setattr(snapshot, "_keep", False)
    monkeypatch.setattr(snapshot, "_LISTINGS", {})


def _store(path: Path) -> None:
    with State(path) as state:
        state.set_known_files(dict(FILES))
        state.commit()


def test_a_one_shot_build_keeps_no_listing_in_memory(tmp_path: Path) -> None:
    _store(tmp_path / "state.sqlite3")
    assert snapshot._LISTINGS == {}  # cron's build lets 100,000 entries go once it has stored them
    with State(tmp_path / "state.sqlite3") as state:
        assert state.known_files()[0].keys() >= FILES.keys()
    assert snapshot._LISTINGS == {}


def test_a_process_that_builds_again_keeps_the_listing_it_stored(tmp_path: Path) -> None:
    snapshot.keep_listings()
    _store(tmp_path / "state.sqlite3")
    ((_, kept),) = snapshot._LISTINGS.values()
    assert kept == FILES
    with State(tmp_path / "state.sqlite3") as state:
        assert state._snapshot.load() is kept  # loaded from memory, not from the database


def test_a_full_scan_stores_only_the_names_it_found_changed(shipped, make_config) -> None:
    """A one-shot build that finds one seed edited, one gone and one new stores those three entries, not the
    whole listing again; the next build knows the directory as a scan sees it, and finds nothing to do."""
    for n in (1, 2):
        (shipped / f"2026-11-0{n}-clanek.txt").write_text(f"Naslov {n}\nBesedilo {n}.\n", encoding="utf-8")
    config = make_config(shipped)
    build(config, now=NOW)
    edited, gone = sorted(shipped.glob("2026-11-0*.txt"))
    edited.write_text(edited.read_text(encoding="utf-8") + "Nov odstavek.\n", encoding="utf-8")
    gone.unlink()
    (shipped / "2026-11-30-nov.txt").write_text("Nov naslov\nBesedilo.\n", encoding="utf-8")
    with sqlite3.connect(config.state) as db:
        (whole,) = db.execute("SELECT files FROM snapshot").fetchone()
    report = build(config, now=NOW + timedelta(hours=1))
    assert (report.new, report.changed, report.removed) == (1, 1, 1)
    with sqlite3.connect(config.state) as db:
        assert db.execute("SELECT files FROM snapshot").fetchone() == (whole,)  # not written again
        delta = {name: (size, mtime) for name, size, mtime in db.execute("SELECT * FROM snapshot_delta")}
    assert delta.keys() == {edited.name, gone.name, "2026-11-30-nov.txt"} and delta[gone.name] == (None, None)
    with State(config.state) as state:
        assert state.known_files()[0] == scan_seeds(shipped).files
    assert build(config, now=NOW + timedelta(hours=2)).read == 0
