"""Write feeds so that a reader never sees a broken, half-written or needlessly changed one.

For each document: equal bytes → no write at all (mtime and ETag stay).
Otherwise: temporary file beside the target → verify → chmod 0644.
Only when every document of the build is staged and verified are they
made durable, then renamed into place with ``os.replace``: a failure leaves
every previous feed as it was. Documents arrive one at a time and only
their temporary files are kept, so a build of thousands of archive pages
holds one in memory.

Durability, in order: (1) every temporary file's bytes reach the disk, by
one ``syncfs`` of the output's file system (Linux) or else one ``fsync``
per file; (2) the renames, archive pages first and the index last
(:func:`~seedfeed.feeds.names.publish_order`); (3) one ``fsync`` of each directory that got a
rename. A power cut before (3) leaves each name on its old or its new file,
both complete; never a half-written one. One ``syncfs`` instead of 4,000
``fsync`` calls is what a cold 100,000-seed build gains.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import PublishError
from ..feeds.names import publish_order

log = logging.getLogger(__name__)

Verifier = Callable[[str, bytes], None]


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A published file as the build left it: its size and mtime (checked by ``stat``) and its bytes' SHA-256."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :meth:`Writer.publish` did: the files it rewrote, and every document it was given, as on disk now."""

    written: list[str]
    files: dict[str, FileRecord]


class Writer:
    """Puts a build's documents on disk, all or none, in an order that never breaks a link.

    The build takes one as a parameter, so a test can give it a writer that
    fails (a full disk, a verifier that rejects, a kill at one rename)
    without patching this module.
    """

    def publish(self, out: Path, documents: Iterable[tuple[str, bytes]], verify: Verifier) -> Outcome:
        """Write ``documents`` (``(name relative to out, bytes)`` pairs) into ``out``.

        ``verify(name, data)`` raises to reject a document; then nothing is
        replaced and :class:`PublishError` names the file and the reason. The
        staged files replace the old ones in :func:`~seedfeed.feeds.names.publish_order`:
        a reader, or a build killed at any rename, never meets a link to a
        file that is not there yet.
        """
        staged: dict[str, Path] = {}
        hashes: dict[str, str] = {}
        cleaned: set[Path] = set()
        target = out
        try:
            for name, data in documents:
                target = out / name
                if target.parent not in cleaned:
                    self._prepare(target.parent)
                    cleaned.add(target.parent)
                hashes[name] = hashlib.sha256(data).hexdigest()
                if _current(target) == data:
                    continue
                staged[name] = _stage(target, data)
                try:
                    verify(name, data)
                except Exception as exc:  # any verifier failure blocks publication
                    raise PublishError(target, f"failed verification: {exc}") from exc
            target = out
            _sync(out, staged.values())
            for name in sorted(staged, key=publish_order):
                target = out / name
                self.replace(staged[name], target)
            for directory in {(out / name).parent for name in staged}:
                target = directory
                _fsync_dir(directory)
            files = {name: _record(out / name, sha) for name, sha in hashes.items()}
        except OSError as exc:
            raise PublishError(target, f"cannot write: {exc.strerror or exc}") from None
        finally:
            for temp in staged.values():
                with suppress(FileNotFoundError):
                    temp.unlink()
        return Outcome(sorted(staged), files)

    def replace(self, temp: Path, target: Path) -> None:
        """Rename one staged file into place (atomic: a reader sees the old file or the new one)."""
        temp.replace(target)

    def unpublish(self, out: Path, names: Iterable[str]) -> list[str]:
        """Delete published files that no longer have anything to publish (a topic's last article went)."""
        removed = []
        for name in names:
            try:
                (out / name).unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                if exc.errno == errno.ENAMETOOLONG:  # no such file can exist (an older build's name, never written)
                    continue
                raise PublishError(out / name, f"cannot remove: {exc.strerror or exc}") from None
            removed.append(name)
        return removed

    def _prepare(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(directory, f"cannot create the directory: {exc.strerror}") from None
        _remove_stale_temporaries(directory)


def publish(out: Path, documents: Iterable[tuple[str, bytes]], verify: Verifier) -> list[str]:
    """:meth:`Writer.publish` with the default writer; return the names rewritten."""
    return Writer().publish(out, documents, verify).written


def unpublish(out: Path, names: Iterable[str]) -> list[str]:
    """:meth:`Writer.unpublish` with the default writer."""
    return Writer().unpublish(out, names)


def _record(path: Path, sha: str) -> FileRecord:
    info = path.stat()
    return FileRecord(info.st_size, info.st_mtime_ns, sha)


def _remove_stale_temporaries(directory: Path) -> None:
    """Delete temporary files a killed build left behind (the caller holds the build lock)."""
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
                with suppress(FileNotFoundError):
                    Path(entry.path).unlink()


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _stage(target: Path, data: bytes) -> Path:
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(temp).chmod(0o644)  # mkstemp creates 0600: a web server could not read it
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


#: From this many staged files on, one syncfs of the file system is cheaper than one fsync each.
SYNCFS_FROM = 8


def _sync(out: Path, temps: Iterable[Path]) -> None:
    """Make the staged files durable before any of them is renamed into place."""
    temps = list(temps)
    if len(temps) >= SYNCFS_FROM and _syncfs(out):
        log.debug("%d staged files made durable with one syncfs", len(temps))
        return
    log.debug("%d staged files made durable with one fsync each", len(temps))
    for temp in temps:
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _syncfs(path: Path) -> bool:
    """``syncfs(2)`` on the file system of ``path`` (Linux); ``False`` where it is not available."""
    libc = _libc()
    if libc is None:
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        return bool(libc.syncfs(fd) == 0)
    finally:
        os.close(fd)


@cache
def _libc() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        libc.syncfs  # noqa: B018 -- AttributeError where the C library has no syncfs
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
