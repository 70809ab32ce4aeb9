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
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError, SeedError
from .decode import MAX_SEED_BYTES

SEED_SUFFIX = ".txt"
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


def scan_seeds(seeds: Path) -> Scan:
    """List the seeds of a directory with one ``scandir`` pass.

    A regular file costs one ``lstat`` (cached by ``scandir``); only symlinks
    and odd entries cost more. Raises :class:`ConfigError` when the directory
    is missing or holds no seed at all, so that an unmounted volume cannot
    publish an empty feed.
    """
    if not seeds.is_dir():
        raise ConfigError(f"{seeds}: seeds directory does not exist (use --seeds DIR or [paths] seeds)")
    root = os.path.realpath(seeds)
    found: dict[str, tuple[int, int]] = {}
    rejected: list[SeedError] = []
    with os.scandir(seeds) as entries:
        for entry in entries:
            name = entry.name
            if name[-4:] != SEED_SUFFIX or name[0] == ".":
                continue
            if entry.is_file(follow_symlinks=False) and name.isascii():  # the common case, inline: 100,000 of them
                info = entry.stat(follow_symlinks=False)
                found[name] = (info.st_size, info.st_mtime_ns)
                continue
            try:
                found[name] = _entry_stat(entry, root)
            except SeedError as error:
                rejected.append(error)
            except FileNotFoundError:  # removed between the listing and the look
                continue
    if not found and not rejected:
        raise ConfigError(f"{seeds}: no seed files (*{SEED_SUFFIX}); nothing was published")
    return Scan(found, tuple(rejected))


def scan_changes(seeds: Path, previous: dict[str, tuple[int, int]], names: Iterable[str]) -> Scan:
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
    for name in sorted(looked):
        found.pop(name, None)
        path = str(seeds / name)
        try:
            found[name] = _seed_stat(path, name, root)
        except FileNotFoundError:
            continue  # removed (or renamed away) since
        except SeedError as error:
            rejected.append(error)
    if not found and not rejected:
        raise ConfigError(f"{seeds}: no seed files (*{SEED_SUFFIX}); nothing was published")
    return Scan(found, tuple(rejected), looked)


def _entry_stat(entry: os.DirEntry[str], root: str) -> tuple[int, int]:
    return _seed_stat(entry.path, entry.name, root)


def _seed_stat(path: str, name: str, root: str) -> tuple[int, int]:
    """(size, mtime_ns) of a seed entry; raises :class:`SeedError` for anything that is not a seed.

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
    return info.st_size, info.st_mtime_ns


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
        target = (_PROC_FD / str(fd)).readlink()
    except OSError:  # no /proc: the scan's check of the link is the one that holds
        return
    if str(target.parent) != _real_dir(str(path.parent.absolute())):
        raise SeedError(path, f"symlink to {target}, outside the seeds directory: not read")


@lru_cache(maxsize=16)
def _real_dir(directory: str) -> str:
    """The real path of an absolute directory path, resolved once per process."""
    return os.path.realpath(directory)


def _too_large(path: Path, size: int) -> SeedError:
    return SeedError(path, f"too large: {size} bytes (the limit is {MAX_SEED_BYTES // 1024 // 1024} MiB)")
