"""Write feeds so that a reader never sees a broken, half-written or needlessly changed one.

For each document: equal bytes → no write at all (mtime and ETag stay).
Otherwise: temporary file beside the target → verify → chmod 0644.
Only when every document of the build is staged and verified are they
made durable, then renamed into place with ``os.replace``: a failure leaves
every previous feed as it was. Documents arrive one at a time and only
their temporary files are kept, so a build of thousands of archive pages
holds one in memory.

Worker processes may stage documents themselves (:func:`stage`): they put the
bytes in the temporary file and send back only a :class:`Staged` note, so that
a cold build does not carry every page through a pipe to be written here. The
writer prepares their directories before it asks for the first document, and
treats their files as its own: renamed with the rest, or removed on failure.

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
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import PublishError
from ..feeds.names import publish_order
from .rows import FileRecord

log = logging.getLogger(__name__)

Verifier = Callable[[str, bytes], None]


@dataclass(frozen=True, slots=True)
class Staged:
    """A document another process has verified and staged (:func:`stage`): the SHA-256 of its bytes, and
    whether they are those of the file in place (then nothing was staged)."""

    sha256: str
    same: bool


#: A document's content: its bytes, or the note of a worker that staged them.
Content = bytes | Staged


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

    def publish(
        self,
        out: Path,
        documents: Iterable[tuple[str, Content]],
        verify: Verifier,
        *,
        tidy: bool = True,
        folders: Iterable[str] = (),
    ) -> Outcome:
        """Write ``documents`` (``(name relative to out, bytes)`` pairs) into ``out``.

        ``verify(name, data)`` raises to reject a document; then nothing is
        replaced and :class:`PublishError` names the file and the reason. The
        staged files replace the old ones in :func:`~seedfeed.feeds.names.publish_order`:
        a reader, or a build killed at any rename, never meets a link to a
        file that is not there yet. ``tidy``: first remove, from each directory
        written to, the temporary files a killed build left (and list it, so
        that a name not in it is not read); without it, a temporary file left
        behind is replaced when its name is staged again.

        A document given as :class:`Staged` was verified and staged by a
        worker process into one of ``folders``, which are prepared before
        the first document is asked for. If publishing fails, ``documents``
        is closed (its workers stop) and every temporary file in ``folders``
        is removed, also those whose notes never arrived.
        """
        staged: set[str] = set()  # the names staged, each in its temporary file (:func:`temporary`)
        hashes: dict[str, str] = {}
        present: dict[Path, set[str] | None] = {}  # directory → its names when the build began writing there
        shared = [out / folder for folder in folders]  # where workers stage
        # What is being written, relative to ``out`` (a failure names it). Names, not paths, while
        # the work goes by the file: a cold build publishes 100,000 of them.
        current = ""
        done = False
        try:
            for folder, directory in zip(folders, shared, strict=True):
                current = folder
                present[directory] = self._prepare(directory, tidy)
            for name, data in documents:
                current = name
                if isinstance(data, Staged):  # verified and staged by a worker, or equal to the file in place
                    hashes[name] = data.sha256
                    if not data.same:
                        staged.add(name)
                    continue
                target = out / name
                if target.parent not in present:
                    present[target.parent] = self._prepare(target.parent, tidy)
                names = present[target.parent]
                hashes[name] = hashlib.sha256(data).hexdigest()
                if (names is None or target.name in names) and _current(target) == data:
                    continue
                _stage(target, data)  # given twice, the later bytes win
                staged.add(name)
                try:
                    verify(name, data)
                except Exception as exc:  # any verifier failure blocks publication
                    raise PublishError(target, f"failed verification: {exc}") from exc
            current = ""
            written = sorted(staged)
            _sync(out, written)
            for name in sorted(written, key=publish_order):
                current = name
                self.replace(out, name)
                staged.discard(name)  # renamed: nothing left to remove
            for folder in sorted({name.rpartition("/")[0] for name in written}):
                current = folder
                _fsync_dir(out / folder)
            # One dictionary at a time: a cold build publishes 100,000 files.
            root = str(out)
            files = {name: _record(root, name, hashes.pop(name)) for name in list(hashes)}
            done = True
        except OSError as exc:
            raise PublishError(out / current, f"cannot write: {exc.strerror or exc}") from None
        finally:
            for name in staged:
                temporary(out / name).unlink(missing_ok=True)
            if not done and shared:
                _stop(documents)  # no worker stages anything after this
                for directory in shared:
                    with suppress(OSError):
                        _remove_stale_temporaries(directory)
        return Outcome(written, files)

    def replace(self, out: Path, name: str) -> None:
        """Rename the staged file of ``name`` (relative to ``out``) into place: atomic, a reader sees the old
        file or the new one. Bare ``os`` calls on names: a cold build renames one file per article."""
        folder, _, base = name.rpartition("/")
        directory = f"{out}/{folder}" if folder else str(out)
        os.replace(f"{directory}/{_hidden(base)}", f"{directory}/{base}")  # noqa: PTH105 -- see above

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

    def _prepare(self, directory: Path, tidy: bool) -> set[str] | None:
        """Create ``directory`` if need be; when ``tidy``, remove stale temporary files from it and return the
        names left in it (``None``: not listed)."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(directory, f"cannot create the directory: {exc.strerror}") from None
        return _remove_stale_temporaries(directory) if tidy else None


def publish(out: Path, documents: Iterable[tuple[str, Content]], verify: Verifier) -> list[str]:
    """:meth:`Writer.publish` with the default writer; return the names rewritten."""
    return Writer().publish(out, documents, verify).written


def unpublish(out: Path, names: Iterable[str]) -> list[str]:
    """:meth:`Writer.unpublish` with the default writer."""
    return Writer().unpublish(out, names)


def stage(out: Path, name: str, data: bytes) -> Staged:
    """In a worker process: ``data`` staged for ``name`` in ``out`` as :meth:`Writer.publish` stages it, or
    nothing staged when the file in place holds these bytes. The writer must have prepared the directory
    (its ``folders``), and ``name`` must be no other document's."""
    target = out / name
    sha = hashlib.sha256(data).hexdigest()
    if _current(target) == data:
        return Staged(sha, True)
    _stage(target, data)
    return Staged(sha, False)


def _stop(documents: Iterable[Any]) -> None:
    """Close ``documents`` if it is a generator (its worker pool ends and waits for its tasks)."""
    close = getattr(documents, "close", None)
    if close is not None:
        with suppress(Exception):
            close()


def _record(root: str, name: str, sha: str) -> FileRecord:
    info = os.stat(f"{root}/{name}")  # noqa: PTH116 -- a str: a Path per file costs more than the stat
    return FileRecord(info.st_size, info.st_mtime_ns, sha)


def _remove_stale_temporaries(directory: Path) -> set[str]:
    """Delete temporary files a killed build left behind (the caller holds the build lock); the other names."""
    names = set()
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
                with suppress(FileNotFoundError):
                    Path(entry.path).unlink()
            else:
                names.add(entry.name)
    return names


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


#: How a staged file is opened: a new file only, never through a symbolic link, not inherited by a child.
_STAGE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def temporary(target: Path) -> Path:
    """Where ``target``'s new bytes are staged: ``.<name>.tmp`` beside it."""
    return target.with_name(_hidden(target.name))


def _hidden(base: str) -> str:
    return f".{base}.tmp"


def _stage(target: Path, data: bytes) -> None:
    """``data`` in ``target``'s temporary file, mode 0644 whatever the umask.

    One name per target is enough: the caller holds the build lock, and the
    stale temporary files of a killed build were removed (:meth:`Writer._prepare`).
    Bare ``os`` calls: a cold build stages one file per article.
    """
    temp = temporary(target)
    try:
        fd = os.open(temp, _STAGE_FLAGS, 0o644)
    except FileExistsError:  # left by a killed build (the caller holds the build lock): not ours to keep
        temp.unlink()
        fd = os.open(temp, _STAGE_FLAGS, 0o644)
    try:
        os.fchmod(fd, 0o644)  # the umask may have taken bits away: a web server must read it
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        os.close(fd)
        Path(temp).unlink(missing_ok=True)
        raise
    os.close(fd)


#: From this many staged files on, one syncfs of the file system is cheaper than one fsync each.
SYNCFS_FROM = 8


def _sync(out: Path, names: Sequence[str]) -> None:
    """Make the staged files of ``names`` durable before any of them is renamed into place."""
    if len(names) >= SYNCFS_FROM and _syncfs(out):
        log.debug("%d staged files made durable with one syncfs", len(names))
        return
    log.debug("%d staged files made durable with one fsync each", len(names))
    for name in names:
        fd = os.open(temporary(out / name), os.O_RDONLY)
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
