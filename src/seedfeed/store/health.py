"""A state database that cannot be used: why, in words an operator acts on, and moving a corrupt one aside."""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

from ..errors import StateError

log = logging.getLogger(__name__)

#: SQLite's primary result codes for a file that is not (or no longer) a database.
_CORRUPT_CODES = {11: "SQLITE_CORRUPT", 26: "SQLITE_NOTADB"}
#: And for the reasons a good database cannot be used, in words an operator acts on.
_REASONS = {
    8: "the state database is read-only",
    13: "the disk is full",
    14: "cannot open the state database",
    10: "input/output error on the state database",
    3: "permission denied",
    23: "not authorised",
}


def is_corrupt(exc: sqlite3.Error) -> bool:
    """True when SQLite says the file is damaged or not a database at all (so it can be set aside)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _CORRUPT_CODES


def reason(exc: sqlite3.Error) -> str:
    """One line on why the state database cannot be used.

    >>> import sqlite3
    >>> error = sqlite3.OperationalError("database or disk is full")
    >>> error.sqlite_errorcode = 13
    >>> reason(error)
    'the disk is full (database or disk is full)'
    """
    code = getattr(exc, "sqlite_errorcode", None)
    words = _REASONS.get(code & 0xFF) if code is not None else None
    return f"{words} ({exc})" if words else str(exc)


def unreadable(path: Path) -> bool:
    """True when the database file exists but cannot be opened for reading and writing, in a
    directory that can be written: then it can be set aside like a corrupt one."""
    try:
        os.close(os.open(path, os.O_RDWR))
        return False
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=".probe-")
    except OSError:
        return False
    os.close(fd)
    Path(probe).unlink()
    return True


def move_aside(path: Path, stamp: str) -> Path:
    """Rename a corrupt database (and its journal) to ``<name>.corrupt-<stamp>``, kept for inspection."""
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("-journal", "-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
    path.replace(aside)
    return aside


def set_aside(path: Path, error: sqlite3.Error, now: datetime) -> None:
    """Move a corrupt state database aside (kept for inspection), with one warning.

    Only a regular file is ever moved: a directory, a device or a link named
    as the state is a :class:`StateError`, and nothing is renamed.
    """
    if path.is_symlink() or not path.is_file():
        raise StateError(path, f"not a state database ({error}), and not a regular file: left as it is") from None
    try:
        aside = move_aside(path, now.strftime("%Y%m%dT%H%M%SZ"))
    except OSError as exc:
        raise StateError(path, f"corrupt ({error}) and cannot be moved aside: {exc.strerror}") from None
    log.warning("%s: %s; moved aside to %s and rebuilt from the seeds and the published feeds", path, error, aside.name)
