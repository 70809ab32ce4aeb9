"""The command line: ``seedfeed build``, ``schedule``, ``serve``, ``deploy`` and ``parse``.

The only place where errors become exit codes: each :class:`~seedfeed.errors.SeedfeedError`
carries its own (the table is :data:`seedfeed.errors.EXIT_CODES`, printed by ``--help``).
:mod:`.parser` holds the grammar, :mod:`.commands` what each command does.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from ..errors import (
    EXIT_BUSY,
    EXIT_DEPLOY,
    EXIT_OK,
    EXIT_PUBLISH,
    EXIT_REJECTED,
    EXIT_STATE,
    EXIT_USAGE,
    SeedfeedError,
)
from .parser import make_parser

__all__ = [
    "EXIT_BUSY",
    "EXIT_DEPLOY",
    "EXIT_OK",
    "EXIT_PUBLISH",
    "EXIT_REJECTED",
    "EXIT_STATE",
    "EXIT_USAGE",
    "main",
]

log = logging.getLogger("seedfeed")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.verbose and args.quiet:
        parser.error("choose one of -q/--quiet and -v/--verbose")
    _configure_logging(args.verbose, args.quiet)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except BrokenPipeError:  # `seedfeed parse x.txt | head`: the reader has gone, which is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's final flush does not fail again
        return EXIT_OK
    except SeedfeedError as exc:
        log.error("%s", exc.describe())
        return exc.exit_code


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    for name in ("seedfeed", "waitress"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # waitress warns "Task queue depth is N" on every request queued under load: not news.
    logging.getLogger("waitress.queue").setLevel(logging.DEBUG if verbose else logging.ERROR)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"seedfeed: {record.levelname.lower()}: {record.getMessage()}"
