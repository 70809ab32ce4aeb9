"""The last listing: kept in memory by a process that builds again and again, let go by a one-shot build."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedfeed.store import snapshot
from seedfeed.store.state import State

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
