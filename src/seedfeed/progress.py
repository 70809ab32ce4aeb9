"""A progress bar for long builds on a terminal, and nothing anywhere else (tqdm)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

#: Seconds a build runs before its progress bar appears.
DELAY = 1.0


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """A bar only for an interactive terminal, and never with ``--quiet``."""
    stream = stream or sys.stderr
    return not quiet and stream.isatty()


def bar(items: Iterable[T], *, total: int, label: str, enabled: bool) -> Iterator[T]:
    """``items``, with a bar on stderr when ``enabled`` and the work lasts longer than :data:`DELAY`."""
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(
        items, total=total, desc=label, delay=DELAY, leave=False, file=sys.stderr, unit=" " + label.split()[0]
    )
