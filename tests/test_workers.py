"""Parsing on every core: results in order, a bounded window of seeds in flight, and a dead worker costs nothing."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedfeed.build import workers
from seedfeed.build.workers import CHUNK, WINDOW, load_all
from seedfeed.ingest.load import Loaded, Task, load
from seedfeed.model import Site

COUNT = (WINDOW + 2) * CHUNK + 5  # more than the window


def _die_at_the_third(task: Task) -> Loaded:
    """Kill the worker process that loads seed 3 (and nothing in the build's own process)."""
    if task.path.name == "0003.txt" and multiprocessing.parent_process() is not None:
        os._exit(1)
    return load(task)


@pytest.fixture
def tasks(tmp_path: Path) -> list[Task]:
    for n in range(COUNT):
        (tmp_path / f"{n:04d}.txt").write_text(f"Naslov {n}\nBesedilo {n}.\n", encoding="utf-8")
    return [Task(path, path.stat().st_size, Site()) for path in sorted(tmp_path.glob("*.txt"))]


@pytest.fixture(autouse=True)
def two_workers(monkeypatch) -> None:
    monkeypatch.setattr(workers, "workers", lambda: 2)  # the pool's path, also on a one-core machine


def test_workers_load_every_seed_in_order_as_one_process_does(tasks) -> None:
    assert list(load_all(tasks, len(tasks))) == [load(task) for task in tasks]


def test_only_a_window_of_seeds_is_handed_out_ahead_of_the_build(tasks) -> None:
    handed = 0

    def counted() -> Iterator[Task]:
        nonlocal handed
        for task in tasks:
            handed += 1
            yield task

    loading = load_all(counted(), len(tasks))
    next(loading)
    assert handed <= (WINDOW + 1) * CHUNK  # a window of chunks, not the corpus
    assert len(list(loading)) == len(tasks) - 1
    assert handed == len(tasks)


def test_a_worker_that_dies_leaves_the_rest_to_the_build(tasks, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = list(load_all(tasks, len(tasks), _die_at_the_third))
    assert loaded == [load(task) for task in tasks]
    assert [r.getMessage() for r in caplog.records] == [
        f"a parsing worker died; parsing the other {len(tasks)} seeds in this process"
    ]
