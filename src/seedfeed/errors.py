"""The exceptions seedfeed raises, each carrying its exit code, and the one table of exit codes.

Library code raises; only the command line prints, with :meth:`SeedfeedError.describe`
and :attr:`SeedfeedError.exit_code`, so it needs no ladder of ``except`` clauses.

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
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_PUBLISH = 3
EXIT_BUSY = 4
EXIT_STATE = 5
EXIT_DEPLOY = 6


@dataclass(frozen=True, slots=True)
class ExitCode:
    """One row of the exit-code table: the code(s), what they mean, and the commands that return them."""

    codes: tuple[int, ...]
    meaning: str
    commands: tuple[str, ...] = ("build", "schedule", "serve", "deploy", "parse")


#: Every exit status of ``seedfeed``, the table ``--help`` prints and the README documents (a test keeps them equal).
EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode((EXIT_OK,), "success: every seed was published (deploy: deployed, or with --dry-run planned)"),
    ExitCode(
        (EXIT_REJECTED,),
        "some seeds were rejected (each named on stderr); the others were published",
        ("build", "schedule", "serve", "parse"),
    ),
    ExitCode((EXIT_USAGE,), "usage or configuration error: a bad flag, a bad seedfeed.toml, no seeds directory"),
    ExitCode(
        (EXIT_PUBLISH,),
        "the feeds could not be written or failed verification; the previous feeds are intact",
        ("build", "schedule", "serve"),
    ),
    ExitCode(
        (EXIT_BUSY,),
        "another build held the output directory's lock for longer than --wait; nothing was done",
        ("build", "schedule", "serve"),
    ),
    ExitCode(
        (EXIT_STATE,),
        "the state database or the lock file cannot be written (read-only, full disk, permissions); "
        "no feed was left half-written",
        ("build", "schedule", "serve"),
    ),
    ExitCode(
        (EXIT_DEPLOY,),
        "deploy: the object storage refused (no such bucket, access denied, bad credentials) or could not be "
        "reached after retries; what is there stays consistent, the next deploy finishes",
        ("build", "schedule", "serve", "deploy"),
    ),
    ExitCode((130, 143), "a second SIGINT / SIGTERM stopped it at once (128 + signal)", ("schedule", "serve")),
)


class SeedfeedError(Exception):
    """Base class of every error seedfeed reports without a traceback.

    ``exit_code`` is the status the command line exits with; :meth:`describe`
    is the one line it prints (the message and what it means for the feeds).
    """

    exit_code: ClassVar[int] = EXIT_USAGE
    consequence: ClassVar[str] = ""

    def describe(self) -> str:
        """The error as the command line prints it, after ``seedfeed: error:``."""
        return f"{self}; {self.consequence}" if self.consequence else str(self)


class SeedError(SeedfeedError):
    """A seed file that cannot be published, with its path, reason and line."""

    exit_code = EXIT_REJECTED

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

    exit_code = EXIT_USAGE


class PublishError(SeedfeedError):
    """An output failed to render, verify or write; nothing was replaced."""

    exit_code = EXIT_PUBLISH
    consequence = "the previous feeds were left in place"

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class BusyError(SeedfeedError):
    """Another build held the lock on the output directory for longer than we would wait."""

    exit_code = EXIT_BUSY
    consequence = "nothing was done"

    def __init__(self, lock: str | Path, waited: float) -> None:
        self.lock = str(lock)
        self.waited = waited
        super().__init__(f"{self.lock}: another seedfeed build is running (waited {waited:g} s)")


class StateError(SeedfeedError):
    """seedfeed's own working files (the state database, the build lock) cannot be used.

    A corrupt state database is not this: it is moved aside and rebuilt.
    """

    exit_code = EXIT_STATE
    consequence = "no feed was left half-written"

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class DeployError(SeedfeedError):
    """A deploy to object storage could not be done; what is there stays consistent (see :mod:`seedfeed.deploy`)."""

    exit_code = EXIT_DEPLOY

    def describe(self) -> str:
        return f"deploy: {self}"
