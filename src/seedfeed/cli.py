"""The command line: ``seedfeed build`` and ``seedfeed parse``.

The only place where errors become exit codes:

====  ==========================================================
0     success: every seed was published
1     some seeds were rejected (each named on stderr); the rest were published
2     usage or configuration error (bad flag, bad seedfeed.toml, no seeds directory)
3     the feeds could not be written or failed verification; the previous feeds are intact
====  ==========================================================
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from . import __version__
from .build import build, load_seed
from .config import load_config
from .errors import ConfigError, PublishError, SeedError

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_PUBLISH = 3

log = logging.getLogger("seedfeed")

_EPILOG = """\
exit codes:
  0  every seed was published
  1  some seeds were rejected (each named on stderr); the others were published
  2  usage or configuration error
  3  the feeds could not be written or failed verification; the previous feeds are intact
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except ConfigError as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    except PublishError as exc:
        log.error("%s; the previous feeds were left in place", exc)
        return EXIT_PUBLISH


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help="also log what each step does")
    noise.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors (for cron)")
    paths = argparse.ArgumentParser(add_help=False)
    paths.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: ./seedfeed.toml if it exists, else built-in defaults)",
    )
    paths.add_argument("--seeds", type=Path, metavar="DIR", help="directory of seed articles, *.txt (default: seeds)")
    paths.add_argument("--out", type=Path, metavar="DIR", help="output directory for the feeds (default: feeds)")

    parser = argparse.ArgumentParser(
        prog="seedfeed",
        description="Publish plain-text news articles (seeds) as RSS 2.0 and Atom 1.0 feeds.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build_cmd = commands.add_parser(
        "build",
        parents=[common, paths],
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="publish feeds/atom.xml and feeds/rss.xml from the seeds",
        description="Parse every seed and publish the Atom and RSS feeds. A feed whose bytes would not "
        "change is not rewritten; a new one is verified before it replaces the old one.",
    )
    build_cmd.set_defaults(run=_run_build)

    parse_cmd = commands.add_parser(
        "parse",
        parents=[common, paths],
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="show how one seed file is understood",
        description="Parse one seed and print the article: title, language, paragraphs, credits, related "
        "stories, dates and link. Dates come from the seed alone (front matter or file name).",
    )
    parse_cmd.add_argument("file", type=Path, metavar="FILE", help="the seed file to parse")
    parse_cmd.add_argument("--json", action="store_true", help="print the article as JSON")
    parse_cmd.set_defaults(run=_run_parse)
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger("seedfeed")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"seedfeed: {record.levelname.lower()}: {record.getMessage()}"


def _run_build(args: argparse.Namespace) -> int:
    config = load_config(args.config, seeds=args.seeds, out=args.out)
    report = build(config)
    if not args.quiet:
        files = ", ".join(report.written) if report.written else "nothing (feeds unchanged)"
        print(
            f"seedfeed: {report.entries} of {report.articles} articles in the feeds "
            f"({report.seeds} seeds, {len(report.rejected)} rejected, {report.new} new, "
            f"{report.changed} changed, {report.removed} removed); wrote {files} in {config.out}"
        )
    return EXIT_REJECTED if report.rejected else EXIT_OK


def _run_parse(args: argparse.Namespace) -> int:
    config = load_config(args.config, seeds=args.seeds, out=args.out)
    try:
        article = load_seed(args.file, config.site).article
    except SeedError as exc:
        log.error("%s", exc)
        return EXIT_REJECTED
    data = dataclasses.asdict(article)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))
        return EXIT_OK
    for key, value in data.items():
        print(f"{key}: {json.dumps(value, ensure_ascii=False, default=_json_default)}")
    return EXIT_OK


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
