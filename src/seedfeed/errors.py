"""The exceptions seedfeed raises; only ``cli`` turns them into exit codes.

::

    SeedfeedError            anything seedfeed reports instead of a traceback
    ├── SeedError            one seed is rejected; the other articles still publish
    ├── ConfigError          seedfeed.toml or the command line is wrong (exit 2)
    ├── PublishError         a feed could not be written or failed verification;
    │                        the previous feeds stay in place (exit 3)
    ├── BusyError            another build holds the output directory's lock (exit 4)
    ├── StateError           the state database or the lock file cannot be written:
    │                        read-only or full disk, permissions (exit 5)
    └── DeployError          object storage refused the deploy (no such bucket, access
                             denied, unreachable after retries) (exit 6)
"""

from __future__ import annotations

import os
from pathlib import Path


class SeedfeedError(Exception):
    """Base class of every error seedfeed reports without a traceback."""


class SeedError(SeedfeedError):
    """A seed file that cannot be published, with its path, reason and line."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        self.path = printable(str(path))
        self.reason = reason
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[type[SeedError], tuple[str, str, int | None]]:
        return SeedError, (self.path, self.reason, self.line)


def printable(path: str) -> str:
    r"""A file name fit for one log line: bytes that are not UTF-8 and control characters escaped.

    >>> printable("seeds/x-\udce8.txt"), printable("seeds/a\nb.txt")
    ('seeds/x-\\xe8.txt', 'seeds/a\\nb.txt')
    """
    if path.isprintable():
        return path
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class ConfigError(SeedfeedError):
    """The configuration file or a command-line value is unusable."""


class PublishError(SeedfeedError):
    """An output failed to render, verify or write; nothing was replaced."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class BusyError(SeedfeedError):
    """Another build held the lock on the output directory for longer than we would wait."""

    def __init__(self, lock: str | Path, waited: float) -> None:
        self.lock = str(lock)
        self.waited = waited
        super().__init__(f"{self.lock}: another seedfeed build is running (waited {waited:g} s)")


class StateError(SeedfeedError):
    """seedfeed's own working files (the state database, the build lock) cannot be used.

    A corrupt state database is not this: it is moved aside and rebuilt.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class DeployError(SeedfeedError):
    """A deploy to object storage could not be done; what is there stays consistent (see :mod:`seedfeed.deploy`)."""
