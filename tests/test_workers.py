"""Parsing on every core: results in order, a bounded window of seeds in flight, and a dead worker costs nothing;
and a sweep of system calls in a forked child, beside the build."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from functools import partial
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


def test_a_running_pool_starts_its_first_window_before_any_result_is_asked_for(tasks) -> None:
    """The build hands the archive pages out, renders the subscription feeds meanwhile, then takes the pages."""
    handed: list[Task] = []

    def counted() -> Iterator[Task]:
        for task in tasks[:5]:
            handed.append(task)
            yield task

    running = workers.Running(load, counted(), window=3)
    try:
        assert len(handed) == 3  # at work already
        assert list(running) == [(task, load(task)) for task in tasks[:5]]  # then in order, one more per result
    finally:
        running.close()


def test_a_worker_that_dies_leaves_the_rest_to_the_build(tasks, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = list(load_all(tasks, len(tasks), _die_at_the_third))
    assert loaded == [load(task) for task in tasks]
    assert [r.getMessage() for r in caplog.records] == [
        f"a parsing worker died; parsing the other {len(tasks)} seeds in this process"
    ]


# Forked: a sweep of system calls beside the build, in a child process.


def _parent_only(parent: int) -> int:
    """The pid of the process it runs in; fails in any other process than ``parent``."""
    if os.getpid() != parent:
        raise RuntimeError("the child fails")
    return os.getpid()


def _is_open(descriptor: int) -> bool:
    try:
        os.fstat(descriptor)
    except OSError:
        return False
    return True


@pytest.fixture
def one_thread(monkeypatch) -> None:
    """As in a build: no other thread (a server test may leave a daemon thread behind in this process)."""
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)


def test_a_forked_function_runs_in_a_child_process_and_its_result_comes_back(one_thread) -> None:
    forked = workers.Forked(os.getpid)
    assert forked.child is not None
    child = forked.result()
    assert child != os.getpid()
    assert forked.result() == child  # asked again: the same answer, no second child
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # reaped


def test_the_child_holds_none_of_this_process_descriptors(one_thread, tmp_path: Path) -> None:
    lock = os.open(tmp_path / ".feeds.lock", os.O_RDWR | os.O_CREAT)  # as the build lock is held
    try:
        assert workers.Forked(partial(_is_open, lock)).result() is False
        assert _is_open(lock)
    finally:
        os.close(lock)


def test_a_child_that_fails_leaves_the_work_to_this_process(one_thread) -> None:
    assert workers.Forked(partial(_parent_only, os.getpid())).result() == os.getpid()


def test_an_error_of_the_function_reaches_the_caller_as_without_a_child(one_thread) -> None:
    forked = workers.Forked(partial(os.stat, "/nonexistent/seedfeed"))
    with pytest.raises(FileNotFoundError):
        forked.result()


def test_with_another_thread_running_nothing_is_forked() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        forked = workers.Forked(os.getpid)
        assert forked.child is None
        assert forked.result() == os.getpid()
    finally:
        release.set()
        other.join()


def test_closing_ends_a_child_whose_result_nobody_asked_for(one_thread) -> None:
    forked = workers.Forked(partial(time.sleep, 60))
    assert forked.child is not None
    pid = forked.child[0]
    started = time.monotonic()
    forked.close()
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
