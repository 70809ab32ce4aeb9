"""One build at a time per output directory: an advisory ``flock`` beside it.

The lock file is ``.<out>.lock`` in the output directory's parent (``.feeds.lock``
beside ``feeds/``), so it is never published. The kernel drops the lock when
its holder dies, even by ``kill -9``: a crashed build never blocks the next.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import BusyError, StateError

#: Seconds a build waits for another one to finish before giving up (``--wait``).
DEFAULT_WAIT = 10.0
_POLL = 0.05


def lock_path(out: Path) -> Path:
    """Where the lock of output directory ``out`` lives."""
    return out.parent / f".{out.name}.lock"


@contextmanager
def build_lock(out: Path, wait: float = DEFAULT_WAIT) -> Iterator[None]:
    """Hold the build lock of ``out``; wait up to ``wait`` seconds, then raise :class:`BusyError`.

    A lock file that cannot be created (read-only or full directory) raises :class:`StateError`.
    """
    path = lock_path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StateError(path, f"cannot create the lock file: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError(path, wait) from None
                time.sleep(_POLL)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
