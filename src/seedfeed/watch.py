"""``--watch``: build as soon as a seed lands, told by the operating system's file notifications.

A thread runs ``watchfiles`` (inotify on Linux) on the seeds directory and on
the configuration file's directory, not recursively, and queues what changed.
The loop waits on that queue (no CPU while nothing happens), batches what
arrives together, and builds with only those names (:func:`seedfeed.build.build`
``changed=``): no scan of the directory. ``--every`` / ``--at`` still run a full
build on their ticks, a safety net for anything a notification missed.

A file is published only once it is whole (:func:`is_settled`): nobody holds
it open for writing (a read lease cannot be taken while a writer has it
open, ``fcntl(2)`` ``F_SETLEASE``), and its size and mtime stood still since
the last look. So ``cp`` of a large file, an editor saving in place and a
writer pausing between chunks are all waited for; write-to-temp-then-rename
is whole when it appears.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import schedule

from .build import Report
from .ingest.seeds import open_for_writing
from .scheduler import Stop, counts
from .store.snapshot import keep_listings

log = logging.getLogger(__name__)

#: How often a file that is still being written is looked at again.
SETTLE_POLL = 0.05
#: Without notifications (they stopped) and without ticks: a full build this often, in seconds.
DEAF_EVERY = 10.0
#: Longest a file still being written holds back the other changes of its batch, in seconds.
HOLD = 1.0
#: Longest a burst is gathered before its first build (watchfiles' debounce), in ms.
DEBOUNCE_MS = 400
#: Quiet time that ends a batch of notifications (watchfiles' step), in ms.
STEP_MS = 100
#: How often the notification thread looks, with no notification, whether the seeds directory is still the
#: one watched (watchfiles wakes every 5 s by default anyway), in ms.
LOOK_MS = 1000


def notifications_available() -> bool:
    """Whether the kernel gives this process file notifications (inotify on Linux).

    watchfiles silently polls when it cannot have them; the operator should
    know, and get the scan of ``--every`` instead.
    """
    if not sys.platform.startswith("linux"):
        return True
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    descriptor = int(libc.inotify_init1(os.O_CLOEXEC))
    if descriptor < 0:
        return False
    os.close(descriptor)
    return True


def is_settled(path: Path, last: tuple[int, int] | None) -> tuple[bool, tuple[int, int] | None]:
    """(whether ``path`` may be read now, its (size, mtime_ns) to compare with at the next look).

    Gone, or not a regular file: settled (the build reports or forgets it).
    A regular file: settled when no process has it open for writing and its
    size and mtime equal ``last``, the previous look's.
    """
    try:
        info = os.lstat(path)
    except OSError:  # gone, or its directory gone or unreadable (replaced, say): the build reports or forgets it
        return True, None
    if not stat.S_ISREG(info.st_mode):
        return True, None
    now = (info.st_size, info.st_mtime_ns)
    if now != last:
        return False, now
    return open_for_writing(path) is not True, now  # None (no lease here): size and mtime have to do


@dataclass
class Changes:
    """What notifications said, waiting to be built: seed names with when first heard of, and the config."""

    seeds: dict[str, float] = field(default_factory=dict)
    config: float | None = None
    rescan: float | None = None  # the seeds directory was replaced: a full build of the new one
    looks: dict[str, tuple[int, int] | None] = field(default_factory=dict)

    def ready(self, directory: Path, now: float) -> tuple[list[str], float | None]:
        """The names to build now (taken from the waiting), and the earliest time one was heard of.

        All of them once every file is whole, so that a rename (one name
        gone, one new) is one build; but a file still being written holds
        the others back for :data:`HOLD` seconds at most.
        """
        names = []
        for name in list(self.seeds):
            settled, look = is_settled(directory / name, self.looks.get(name))
            self.looks[name] = look
            if settled:
                names.append(name)
        if len(names) < len(self.seeds) and now - min(self.seeds.values()) < HOLD:
            return [], None
        first = min((self.seeds[n] for n in names), default=None)
        for name in names:
            del self.seeds[name], self.looks[name]
        return names, first


@dataclass
class Watch:
    """The loop of ``--watch``: one build per batch of changes, one log line each, with the latency.

    The seeds directory is watched by its inode, so a directory replaced by
    another of the same name (``mv seeds seeds.old; mkdir seeds``, ``rm -rf``
    and ``mkdir``, a symbolic link pointed elsewhere) would go unheard: its
    parent is watched too, and the directory's device and inode are looked at
    on every batch and every :data:`LOOK_MS`. When they change, the watch is
    armed again on the new directory (one info line) and a full build follows.
    """

    seeds: Path
    config_file: Path | None
    build: Callable[[Collection[str] | None], Report]
    reload: Callable[[], None]
    stop: Stop
    ticks: schedule.Scheduler | None = None
    clock: Callable[[], float] = time.monotonic
    builds: int = 0
    failures: int = 0
    _queue: queue.Queue[tuple[float, set[tuple[int, str]]]] = field(default_factory=queue.Queue)
    _deaf: bool = False  # the notifications stopped: full scans stand in
    _rescan: bool = False  # the last build failed: the changes it was told of are owed, so the next one scans
    _last: float = 0.0
    _path: Path = field(init=False)  # the seeds directory as configured (``seeds`` is where it leads now)
    _entry: Path = field(init=False)  # its entry in its parent directory, as notifications name it

    def __post_init__(self) -> None:
        self._path = Path(self.seeds).absolute()
        self._entry = Path(os.path.realpath(self._path.parent)) / self._path.name
        self.seeds = Path(os.path.realpath(self._path))
        if self.config_file is not None:
            self.config_file = Path(os.path.realpath(self.config_file.parent)) / self.config_file.name

    def run(self) -> None:
        """Build once now (a full scan: it catches up with whatever happened while nobody watched), then watch.

        Call :func:`ignore_lease_breaks` from the main thread first.
        """
        keep_listings()  # every build after the first loads no listing
        thread = threading.Thread(target=self._notifications, name="seedfeed-watch", daemon=True)
        thread.start()
        self._build(None, self.clock())
        changes = Changes()
        while not self.stop.event.is_set():
            self._gather(changes, self._timeout(changes))
            if self.stop.event.is_set():
                break
            if changes.config is not None or changes.rescan is not None:
                if changes.config is not None:
                    self.reload()
                self._build(None, min(t for t in (changes.config, changes.rescan) if t is not None))  # a full build
                changes.config = changes.rescan = None
                changes.seeds.clear()
                changes.looks.clear()
                continue
            names, first = changes.ready(self.seeds, self.clock())
            if names and first is not None:
                self._build(None if self._rescan else names, first)  # after a failed build: a full scan
            if self.ticks is not None:
                self.ticks.run_pending()
            elif self._deaf and self.clock() - self._last >= DEAF_EVERY:
                self._build(None, self.clock())
        thread.join(timeout=5)

    def _timeout(self, changes: Changes) -> float | None:
        if changes.seeds:
            return SETTLE_POLL
        if self._deaf and self.ticks is None:
            return max(DEAF_EVERY - (self.clock() - self._last), 0.0)
        idle = self.ticks.idle_seconds if self.ticks is not None else None
        return None if idle is None else max(idle, 0.0)

    def _gather(self, changes: Changes, timeout: float | None) -> None:
        """Wait up to ``timeout`` (or for a signal) for notifications; take in everything queued."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            heard, batch = item
            if item == _STOP:
                self._deaf = not self.stop.event.is_set()
                return
            for change, path in batch:
                if change == _REPLACED:
                    changes.rescan = min(changes.rescan or heard, heard)
                    continue
                target = self._where(path)
                if target == self.config_file:
                    changes.config = min(changes.config or heard, heard)
                elif target.parent == self.seeds:
                    changes.seeds.setdefault(target.name, heard)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return

    def _build(self, names: Collection[str] | None, heard: float) -> None:
        self.builds += 1
        start = self._last = self.clock()
        try:
            report = self.build(names)
        except Exception as exc:  # the loop must survive any stage failing
            self.failures += 1
            self._rescan = True
            log.error("build failed, retrying at the next change or tick: %s: %s", type(exc).__name__, exc)
            return
        self._rescan = False
        what = "full scan" if names is None else f"{len(names)} file(s) changed"
        log.info(
            "watch: %s; %s; build %.2f s, %.2f s from the change to the published feeds",
            what,
            counts(report),
            self.clock() - start,
            self.clock() - heard,
        )

    def _notifications(self) -> None:
        """In a thread: queue every batch of notifications, with the time it was heard; arm the watch again
        on a new seeds directory when the old one was replaced or removed."""
        try:
            armed, replaced = _identity(self._path), False
            while not self.stop.event.is_set():
                armed, replaced = self._listen(armed, replaced)
        except Exception as exc:  # the ticks, or a full scan every DEAF_EVERY seconds, go on: say so
            log.error(
                "file notifications stopped (%s: %s); the --every/--at ticks, else a full scan every %g s, rebuild now",
                type(exc).__name__,
                exc,
                DEAF_EVERY,
            )
        finally:
            self._queue.put(_STOP)

    def _listen(self, armed: tuple[int, int] | None, replaced: bool) -> tuple[tuple[int, int] | None, bool]:
        """Watch the seeds directory whose (device, inode) is ``armed`` (or, with ``None``, wait for one to
        appear) until it is replaced or removed, or the loop stops: (the new identity, whether it replaced
        the old). ``replaced``: this directory replaced another, so once it is watched, a full build."""
        import watchfiles

        self.seeds = Path(os.path.realpath(self._path))
        directories = {self._entry.parent} | ({self.seeds} if armed is not None else set())
        if self.config_file is not None:
            directories.add(self.config_file.parent)
        fresh = True
        batches = watchfiles.watch(
            *directories,
            watch_filter=self._wanted,
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=self.stop.event,
            recursive=False,
            raise_interrupt=False,
            rust_timeout=LOOK_MS,
            yield_on_timeout=True,  # every LOOK_MS: look at the directory's identity, and know the watch is armed
        )
        try:
            for batch in batches:
                heard = self.clock()
                now = _identity(self._path)
                # Removed and made again, the new directory may get the old one's inode number: the
                # parent's notification for the entry itself says so when the identity cannot.
                recreated = any(self._where(path) == self._entry and int(change) != _MODIFIED for change, path in batch)
                if now != armed or (recreated and now is not None):
                    if now is None:
                        log.info("the seeds directory %s is gone: waiting for it to come back", self._path)
                    else:
                        log.info("the seeds directory %s was replaced: watching the new one", self._path)
                    return now, now is not None
                changes = {(int(change), path) for change, path in batch if self._where(path) != self._entry}
                if fresh and replaced and armed is not None:
                    changes.add((_REPLACED, str(self.seeds)))  # the new directory is watched: now build it whole
                fresh = False
                if changes:
                    self._queue.put((heard, changes))
        finally:
            batches.close()
        return armed, False

    def _wanted(self, change: object, path: str) -> bool:
        target = self._where(path)
        if target == self.config_file or target == self._entry:
            return True
        return target.parent == self.seeds and target.name.endswith(".txt") and not target.name.startswith(".")

    @staticmethod
    def _where(path: str) -> Path:
        """A notified path with its directory resolved (the file itself may be a link, or gone)."""
        head, name = os.path.split(path)
        return Path(os.path.realpath(head)) / name


_STOP: tuple[float, set[tuple[int, str]]] = (-1.0, set())
#: watchfiles' change code for a modified entry (added is 1, deleted 3).
_MODIFIED = 2
#: The change code of a queued "the seeds directory was replaced, and the new one is watched".
_REPLACED = -2


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the directory ``path`` leads to; ``None`` when there is none."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def ignore_lease_breaks() -> None:
    """Ignore SIGIO (from the main thread): a writer opening a file while we hold its lease sends it."""
    signal.signal(signal.SIGIO, signal.SIG_IGN)
