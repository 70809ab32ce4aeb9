"""The seeds directory: which of its entries are seeds, and reading one without trusting it.

A seed is a regular file named ``*.txt`` (hidden files are skipped) whose
name is UTF-8 and which lies in the seeds directory. A symlink is followed
only when it resolves to a regular file inside the seeds directory: a link
to ``/etc/passwd`` must never publish the password file. Everything else
named ``*.txt`` (a directory, FIFO, device, socket, dangling link, link
loop, or a link that leaves the directory) is rejected with its reason, and
costs nothing else: it is never opened for reading, so a FIFO cannot block
a build and ``/dev/zero`` cannot fill its memory.

Reading re-checks what the scan saw, on the open descriptor: the file is
opened without blocking, must still be a regular file inside the seeds
directory, and is read up to the size limit and no further.

A seed still being written is left for the next build: one that some
process holds open for writing (:func:`open_for_writing`), or, where this
process can take no lease, one modified within the last second. Only seeds
modified within the last minute (:data:`PROBE_WINDOW_NS`, by the real clock:
mtimes are real) are probed, at one ``open`` and two ``fcntl`` calls each:
probing all 20,000 seeds of a directory costs twice its scan. The listing
gives such a seed the mtime :data:`WAITING`, which no real listing has, so
the next build reads it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError, SeedError
from .decode import MAX_SEED_BYTES

SEED_SUFFIX = ".txt"
#: Seeds modified less than this long ago (ns, by the real clock) are probed for a writer.
PROBE_WINDOW_NS = 60 * 10**9
#: Where no lease can be had: a seed modified less than this long ago (ns) is still being written.
SETTLE_NS = 10**9
#: The mtime a listing gives a seed still being written: it matches no real listing, so the next build reads it.
WAITING = -1
_PROC_FD = Path("/proc/self/fd")
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True, slots=True)
class Scan:
    """One listing of the seeds directory.

    ``files`` maps each seed's file name to (size, mtime in ns), in directory
    order; ``rejected`` holds the entries named like seeds that are not.
    """

    files: dict[str, tuple[int, int]]
    rejected: tuple[SeedError, ...] = ()
    changed: frozenset[str] | None = None  # a listing updated for these names only (scan_changes)


def scan_seeds(seeds: Path, *, clock: Callable[[], int] = time.time_ns) -> Scan:
    """List the seeds of a directory: its names, and one ``lstat`` each.

    A regular file costs that ``lstat`` alone; only symlinks
    and odd entries cost more, and so do seeds modified within the last
    minute of ``clock`` (ns since the epoch), which are probed for a writer:
    one still being written is listed with the mtime :data:`WAITING`. Raises
    :class:`ConfigError` when the directory is missing or holds no seed at
    all, so that an unmounted volume cannot publish an empty feed.
    """
    if not seeds.is_dir():
        raise ConfigError(f"{seeds}: seeds directory does not exist (use --seeds DIR or [paths] seeds)")
    root = os.path.realpath(seeds)
    found: dict[str, tuple[int, int]] = {}
    rejected: list[SeedError] = []
    now = clock()
    recent = now - PROBE_WINDOW_NS
    # The names, then an lstat of each relative to the open directory: at 100,000 seeds, 0.34 s
    # against 0.39 s for scandir's entries and their stat by path.
    directory = os.open(seeds, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in os.listdir(directory):  # noqa: PTH208 -- names of an open descriptor, no Path each
            if name[-4:] != SEED_SUFFIX or name[0] == ".":
                continue
            if name.isascii():  # the common case, inline: 100,000 of them
                try:
                    info = os.stat(name, dir_fd=directory, follow_symlinks=False)
                except FileNotFoundError:  # removed between the listing and the look
                    continue
                if stat.S_ISREG(info.st_mode):
                    mtime = info.st_mtime_ns
                    if mtime > recent and being_written(seeds / name, mtime, now):
                        mtime = WAITING
                    found[name] = (info.st_size, mtime)
                    continue
            try:
                found[name] = _seed_stat(str(seeds / name), name, root, now)
            except SeedError as error:
                rejected.append(error)
            except FileNotFoundError:  # removed between the listing and the look
                continue
    finally:
        os.close(directory)
    if not found and not rejected:
        raise ConfigError(f"{seeds}: no seed files (*{SEED_SUFFIX}); nothing was published")
    return Scan(found, tuple(rejected))


def scan_changes(
    seeds: Path, previous: dict[str, tuple[int, int]], names: Iterable[str], *, clock: Callable[[], int] = time.time_ns
) -> Scan:
    """The listing ``previous`` with the entries ``names`` looked at again: no ``scandir`` of the directory.

    For a build told which files changed (``seedfeed schedule --watch``): a
    name that is gone is dropped, one that is there is classified exactly as
    :func:`scan_seeds` would. Names that are not seeds' are ignored.
    """
    if not seeds.is_dir():
        raise ConfigError(f"{seeds}: seeds directory does not exist (use --seeds DIR or [paths] seeds)")
    root = os.path.realpath(seeds)
    found = dict(previous)
    rejected: list[SeedError] = []
    looked = frozenset(n for n in names if n[-4:] == SEED_SUFFIX and n[:1] not in (".", "") and "/" not in n)
    now = clock()
    for name in sorted(looked):
        found.pop(name, None)
        path = str(seeds / name)
        try:
            found[name] = _seed_stat(path, name, root, now)
        except FileNotFoundError:
            continue  # removed (or renamed away) since
        except SeedError as error:
            rejected.append(error)
    if not found and not rejected:
        raise ConfigError(f"{seeds}: no seed files (*{SEED_SUFFIX}); nothing was published")
    return Scan(found, tuple(rejected), looked)


def _seed_stat(path: str, name: str, root: str, now: int) -> tuple[int, int]:
    """(size, mtime_ns) of a seed entry (mtime :data:`WAITING` while it is being written at ``now``).

    Raises :class:`SeedError` for anything that is not a seed.

    Raises :class:`FileNotFoundError` when there is no entry ``path`` at all.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raw = os.fsencode(name)[exc.start]
        raise SeedError(path, f"file name is not UTF-8 (byte 0x{raw:02X}); rename the file to publish it") from None
    link = os.lstat(path)
    try:
        info = _inside(path, root).stat() if stat.S_ISLNK(link.st_mode) else link
    except OSError as exc:
        raise SeedError(path, f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SeedError(path, f"not a regular file: {_kind(info.st_mode)}")
    mtime = info.st_mtime_ns
    if mtime > now - PROBE_WINDOW_NS and being_written(path, mtime, now):
        mtime = WAITING
    return info.st_size, mtime


def being_written(path: str | os.PathLike[str], mtime_ns: int, now_ns: int) -> bool:
    """Whether the seed ``path``, last modified at ``mtime_ns``, is still being written at ``now_ns``.

    True while some process holds it open for writing; where this process
    cannot tell (:func:`open_for_writing` says ``None``), while its mtime is
    within a second of ``now_ns`` (:func:`still_written`).
    """
    return still_written(open_for_writing(path), now_ns - mtime_ns)


def still_written(writer: bool | None, age_ns: int) -> bool:
    """Whether a seed modified ``age_ns`` ago waits, given whether a writer holds it (``None``: unknown).

    Without a lease to ask, a seed modified within the last second (either
    side of the clock: an mtime a little in the future is as fresh) waits.

    >>> s = 10**9
    >>> [still_written(w, age) for w, age in ((True, 60 * s), (False, 0), (None, 0), (None, -1), (None, 2 * s))]
    [True, False, True, True, False]
    """
    return writer if writer is not None else abs(age_ns) < SETTLE_NS


def open_for_writing(path: str | os.PathLike[str]) -> bool | None:
    """Whether some process has ``path`` open for writing; ``None`` when this process cannot tell.

    A read lease (``fcntl(2)`` ``F_SETLEASE``) is refused while any process,
    this one too, has the file open for writing. The lease is taken and
    dropped at once, with SIGURG as its break signal: a writer opening the
    file meanwhile waits microseconds, and the signal, ignored by default,
    ends nothing (the default, SIGIO, would end this process). ``None``: no
    lease here (not the file's owner, a file system or system without
    leases). A file that cannot be opened is not being written as far as
    anyone can tell: ``False``, and reading it reports why.
    """
    if not hasattr(fcntl, "F_SETLEASE"):
        return None
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    try:
        fcntl.fcntl(descriptor, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    except OSError as exc:
        return True if exc.errno == errno.EAGAIN else None
    finally:
        os.close(descriptor)


def _inside(path: str, root: str) -> Path:
    """The file a symlink resolves to, if it lies in ``root``; else :class:`SeedError`."""
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SeedError(path, "symlink loop") from None
        if exc.errno == errno.ENOENT:
            raise SeedError(path, f"dangling symlink to {Path(path).readlink()}") from None
        raise
    if str(Path(target).parent) != root:
        if Path(target).is_relative_to(root):
            raise SeedError(
                path, f"symlink to {target}, in a subdirectory: seeds are read from the seeds directory only"
            )
        raise SeedError(path, f"symlink to {target}, outside the seeds directory: not read")
    return Path(target)


def _kind(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def read_seed(path: Path, size: int | None = None, *, confined: bool = True) -> bytes:
    """The bytes of one seed, at most :data:`MAX_SEED_BYTES`; raises :class:`SeedError`.

    ``size`` is what the scan saw: a larger file is rejected without being
    opened. ``confined`` requires the file, once open, to lie in the seeds
    directory (the directory of ``path``), so that a symlink swapped in
    after the scan still cannot leak a file from elsewhere; ``seedfeed parse``
    reads the file it is given, wherever it is.
    """
    if size is not None and size > MAX_SEED_BYTES:
        raise _too_large(path, size)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise SeedError(path, f"cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SeedError(path, f"not a regular file: {_kind(info.st_mode)}")
        if info.st_size > MAX_SEED_BYTES:
            raise _too_large(path, info.st_size)
        if confined:
            _check_confined(fd, path)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, MAX_SEED_BYTES + 1 - total):
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_SEED_BYTES:  # it grew after fstat
                raise _too_large(path, total)
        return b"".join(chunks)
    except OSError as exc:
        raise SeedError(path, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def _check_confined(fd: int, path: Path) -> None:
    """Where the kernel says ``fd`` points must be in ``path``'s directory (Linux ``/proc``)."""
    try:
        target = os.readlink(f"{_PROC_FD}/{fd}")  # noqa: PTH115 -- strings, not Paths: one per seed a build reads
    except OSError:  # no /proc: the scan's check of the link is the one that holds
        return
    if os.path.dirname(target) != _real_dir(str(path.parent.absolute())):  # noqa: PTH120 -- as above
        raise SeedError(path, f"symlink to {target}, outside the seeds directory: not read")


@lru_cache(maxsize=16)
def _real_dir(directory: str) -> str:
    """The real path of a directory path, resolved once per process."""
    return os.path.realpath(directory)


def _too_large(path: Path, size: int) -> SeedError:
    return SeedError(path, f"too large: {size} bytes (the limit is {MAX_SEED_BYTES // 1024 // 1024} MiB)")
