"""The build's worker processes: parsing seeds and rendering archive pages on every core.

Workers come from a fork server, not a fork of the build: a forked worker
would share the build lock's open file description, and one left behind by
a build killed with ``kill -9`` would hold the lock, so that every later
build exited 4. The fork server is a fresh interpreter that inherits no
descriptor (it preloads the parser and the renderer, which also makes it
faster than forking: 4.2 s against 4.7 s for a cold 5,000-seed build), and
each worker exits as soon as the build is gone (:func:`_watch_parent`).
"""

from __future__ import annotations

import logging
import marshal
import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, suppress
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..ingest.load import Loaded, Task, load

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_R = TypeVar("_R")

#: From this many seeds to read on, parsing is spread over the machine's cores.
PARALLEL_FROM = 500
#: Seeds a worker loads per task.
CHUNK = 64
#: Chunks handed out ahead of the results taken: enough for the workers to go on parsing while the build
#: records a batch of results (:data:`~seedfeed.build.changes.BATCH` seeds), few enough to bound memory.
WINDOW = 16
#: What the fork server imports once, so that each worker starts with it.
PRELOAD = ["seedfeed.ingest.load", "seedfeed.build.render", "seedfeed.feeds.entry", "seedfeed.feeds.article"]


def load_all(
    tasks: Iterable[Task], count: int, function: Callable[[Task], Loaded] | None = None
) -> Generator[Loaded, None, None]:
    """``function`` (:func:`~seedfeed.ingest.load.load`) over the ``count`` ``tasks``, in order; in worker
    processes when there are many.

    Tasks go to the workers :data:`CHUNK` at a time, at most :data:`WINDOW`
    chunks ahead of the results taken (:func:`in_workers`): memory holds a
    window of articles, never the corpus, however far the workers run ahead
    of the build. If a worker dies (the OOM killer, an operator), the seeds
    not yet loaded are loaded in this process.
    """
    if function is None:
        function = load  # looked up now: bench/stages.py times the module's own
    if count < PARALLEL_FROM or workers() < 2:
        yield from map(function, tasks)
        return
    from concurrent.futures.process import BrokenProcessPool

    chunks = _chunks(tasks, CHUNK)
    handed: deque[list[Task]] = deque()  # the chunks given to the workers whose results have not come back

    def handing() -> Iterator[list[Task]]:
        for chunk in chunks:
            handed.append(chunk)
            yield chunk

    done = 0
    try:
        with closing(in_workers(partial(_load_chunk, function), handing(), window=WINDOW)) as results:
            for _, loaded in results:
                handed.popleft()
                done += len(loaded)
                yield from loaded
    except BrokenProcessPool:
        log.warning("a parsing worker died; parsing the other %d seeds in this process", count - done)
        for chunk in chain(handed, chunks):
            yield from map(function, chunk)


def _load_chunk(function: Callable[[Task], Loaded], tasks: list[Task]) -> list[Loaded]:
    return [function(task) for task in tasks]


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def workers() -> int:
    """How many worker processes a pool has: one per core, at most 8."""
    return min(os.cpu_count() or 1, 8)


def pool() -> Any:
    """A pool of worker processes from the fork server (see the module's docstring for why not fork)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(workers(), context, initializer=_watch_parent, initargs=(os.getpid(),))


def in_workers(
    function: Callable[[_T], _R], tasks: Iterable[_T], window: int | None = None
) -> Generator[tuple[_T, _R], None, None]:
    """``(task, function(task))`` in the order of ``tasks``, computed in worker processes (:class:`Running`,
    started when the first result is asked for)."""
    running = Running(function, tasks, window)
    try:
        yield from running
    finally:  # also when the consumer stops early: no task left running, no pool left to the collector
        running.close()


class Running(Generic[_T, _R]):
    """``function`` over ``tasks`` in worker processes, started at once: ``(task, result)`` in the order of
    ``tasks``, as they are taken.

    The pool is made and the first ``window`` tasks (by default a few per
    worker) handed out when this is made, so that the build can do other
    work while the workers begin; each result taken hands out one more, so
    memory holds a window of pages, not the archive. :meth:`close` ends the
    pool and cancels what has not started: call it whether or not every
    result was taken.
    """

    def __init__(self, function: Callable[[_T], _R], tasks: Iterable[_T], window: int | None = None) -> None:
        self._function = function
        self._tasks = iter(tasks)
        self._pending: deque[tuple[_T, Any]] = deque()  # (task, its future), in order
        self._executor = pool()
        try:
            self._hand(window or 3 * workers())
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> Iterator[tuple[_T, _R]]:
        return self

    def __next__(self) -> tuple[_T, _R]:
        if not self._pending:
            raise StopIteration
        task, future = self._pending.popleft()
        self._hand(1)
        return task, future.result()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _hand(self, count: int) -> None:
        for task in islice(self._tasks, count):
            self._pending.append((task, self._executor.submit(self._function, task)))


class Forked(Generic[_R]):
    """``function()`` computed in a forked child process while this one goes on; :meth:`result` waits for it.

    For a sweep of system calls (a ``stat`` of every published file) to overlap
    another (the scan of the seeds): a thread cannot, because each call gives
    the interpreter lock back and takes it again, and two threads on two cores
    measured slower than one. The child closes every descriptor it inherits
    (the build lock among them) before it calls ``function``, which must open
    what it reads itself; it sends back its result with :mod:`marshal` and
    ends with ``os._exit``, running nothing of this process's clean-up.

    ``function`` runs in this process instead, when :meth:`result` is asked,
    where forking is unsafe (another thread is running: ``schedule`` serving
    while it builds) or impossible, or when the child fails in any way: so
    its exceptions come out here, as they would without a child.
    """

    def __init__(self, function: Callable[[], _R]) -> None:
        self.function = function
        self.child: tuple[int, int] | None = None  # (pid, the descriptor its result is read from)
        self.found: tuple[_R] | None = None  # the result, once known
        if threading.active_count() > 1 or not hasattr(os, "fork"):
            return
        try:
            read, write = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # pragma: no cover -- the child: its coverage is not collected
            _child(function, write)
        os.close(write)
        self.child = (pid, read)

    def result(self) -> _R:
        """What ``function()`` returned (in the child, else here); waits for the child the first time."""
        if self.found is None:
            data = self._collect() if self.child is not None else b""
            try:
                found = marshal.loads(data) if data else None
            except (EOFError, ValueError, TypeError):
                found = None
            # No child, or it failed: computed here, where an exception reaches the caller.
            self.found = found if isinstance(found, tuple) and len(found) == 1 else (self.function(),)
        return self.found[0]

    def close(self) -> None:
        """End the child (a build that failed before asking for the result): nothing is left behind."""
        if self.child is not None:
            import signal

            with suppress(ProcessLookupError):
                os.kill(self.child[0], signal.SIGKILL)
            self._collect()

    def _collect(self) -> bytes:
        """The child's bytes (empty when it failed), once it has ended and been reaped."""
        assert self.child is not None
        pid, read = self.child
        self.child = None
        chunks = []
        try:
            while chunk := os.read(read, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(read)
            _, status = os.waitpid(pid, 0)
        return b"".join(chunks) if os.waitstatus_to_exitcode(status) == 0 else b""


def _child(function: Callable[[], Any], write: int) -> None:  # pragma: no cover -- runs in the forked child
    """In the child of :class:`Forked`: ``function()``'s result down ``write``, then exit at once."""
    code = 1
    try:
        os.closerange(0, write)  # the build lock, the pipe's other end, the terminal: none of the child's business
        os.closerange(write + 1, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1 << 16)
        data = memoryview(marshal.dumps((function(),)))
        while data:
            data = data[os.write(write, data) :]
        code = 0
    finally:
        os._exit(code)


def _watch_parent(build: int) -> None:
    """In a worker: exit at once when the build process ``build`` is gone.

    Not "when re-parented": a fork server's workers hold the descriptor that
    keeps the fork server alive, so their parent never goes away by itself.
    A pidfd becomes readable when the process ends, even as a zombie.
    """
    import select
    import threading

    def watch() -> None:
        try:
            handle = os.pidfd_open(build)
        except ProcessLookupError:
            os._exit(1)
        except OSError:  # no pidfd (kernel < 5.3): poll instead
            _poll_alive(build)
            os._exit(1)
        select.select([handle], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="seedfeed-build-watch", daemon=True).start()


def _poll_alive(pid: int, interval: float = 0.1) -> None:
    """Return once process ``pid`` has ended (or is a zombie)."""
    import time

    stat = Path(f"/proc/{pid}/stat")
    while True:
        try:
            os.kill(pid, 0)
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return
        except ProcessLookupError:
            return
        except OSError:
            pass
        time.sleep(interval)
