"""The command line's grammar: every command, flag and help text, and the exit-code table in ``--help``."""

from __future__ import annotations

import argparse
import re
import textwrap
from pathlib import Path

from .. import __version__
from ..config import MAX_AGE, MAX_PORT
from ..errors import EXIT_CODES
from ..ingest.slug import http_url
from ..store.lock import DEFAULT_WAIT
from . import commands as actions


def epilog(command: str | None) -> str:
    """The exit codes ``command`` (every command when ``None``) can return, from the one table.

    >>> print(epilog("deploy").splitlines()[3])
      2  usage or configuration error: a bad flag, a bad seedfeed.toml, no seeds
    """
    lines = ["exit codes:"]
    for row in EXIT_CODES:
        if command is None or command in row.commands:
            codes = ", ".join(str(code) for code in row.codes)
            text = textwrap.wrap(row.meaning, 79 - 4 - len(codes), break_on_hyphens=False)
            lines.append(f"  {codes}  {text[0]}")
            lines += [" " * (4 + len(codes)) + more for more in text[1:]]
    return "\n".join(lines) + "\n"


def make_parser() -> argparse.ArgumentParser:
    top, common = _noise_flags(None), _noise_flags(argparse.SUPPRESS)
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: ./seedfeed.toml if it exists, else built-in defaults)",
    )
    paths = argparse.ArgumentParser(add_help=False, parents=[config])
    paths.add_argument("--seeds", type=Path, metavar="DIR", help="directory of seed articles, *.txt (default: seeds)")
    paths.add_argument("--out", type=Path, metavar="DIR", help="output directory for the feeds (default: feeds)")

    parser = argparse.ArgumentParser(
        prog="seedfeed",
        description="Publish plain-text news articles (seeds) as Atom 1.0, RSS 2.0 and JSON Feed 1.1 feeds.",
        epilog=epilog(None),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[top],
    )
    parser.set_defaults(verbose=False, quiet=False)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    building = argparse.ArgumentParser(add_help=False, parents=[paths])
    building.add_argument(
        "--wait",
        type=_seconds,
        default=DEFAULT_WAIT,
        metavar="SECONDS",
        help="wait this long for another build on the same output to finish, then exit 4 (default: %(default)g)",
    )
    target = argparse.ArgumentParser(add_help=False)
    target.add_argument("--to", metavar="s3://BUCKET[/PREFIX]", help="where to deploy (default: [deploy] to)")
    target.add_argument(
        "--endpoint-url", type=_http_url, metavar="URL", help="an S3-compatible endpoint (MinIO, R2, Ceph, B2)"
    )
    target.add_argument("--gzip", action="store_true", help="store objects gzip-compressed (Content-Encoding: gzip)")
    deploying = argparse.ArgumentParser(add_help=False, parents=[target])
    deploying.add_argument(
        "--deploy",
        action="store_true",
        help="after each build, deploy the output to object storage (see deploy); --to, --endpoint-url and "
        "--gzip apply only with it",
    )
    building = argparse.ArgumentParser(add_help=False, parents=[building, deploying])

    build_cmd = _command(
        commands,
        "build",
        [common, building],
        "publish the feeds from the seeds",
        "Parse every seed and publish, in the output directory: atom.xml and rss.xml (the newest entries), "
        "feed.json (JSON Feed), archive/N.atom.xml, archive/N.rss.xml and archive/N.json (archive pages, oldest "
        "first, linked from the subscription feeds: RFC 5005, JSON Feed next_url), "
        "tags/<tag>.* and sources/<source>.* (a feed per tag and per credited source), index.html (the feeds "
        "with autodiscovery links), feeds.opml (every feed, for a reader's import), and the browser view of "
        "every feed: the same name ending .html (atom.html, feed.html, archive/N.atom.html, "
        "tags/<tag>.rss.html), linked older/newer from the subscription view down to page 1, which "
        "`seedfeed serve` gives a browser asking for text/html. A file whose "
        "bytes would not change is not rewritten; a new one is verified before it replaces the old one. "
        "The state (what was seen when, the archive pages) is kept in .seedfeed/ beside the seeds.",
    )
    build_cmd.set_defaults(run=actions.run_build)

    schedule_cmd = _command(
        commands,
        "schedule",
        [common, building],
        "rebuild the feeds as seeds land (--watch), every N s/m/h, or daily at HH:MM, until SIGINT/SIGTERM",
        "Build once now, then on every tick; with --watch, also as soon as a seed file is added, changed, "
        "renamed or removed, or the configuration file changes (the operating system's file notifications: "
        "only the changed files are looked at, once each is closed and whole). --every/--at then add a full "
        "scan on their ticks, a safety net. One of --watch, --every or --at is needed (or [schedule] in "
        "seedfeed.toml). Each build logs one line: what changed, the files rewritten, and its time (with "
        "--watch, also the time from the change to the published feeds). A failing build is logged and retried "
        "at the next change or tick; the last good feeds stay. SIGINT or SIGTERM lets a running build finish, "
        "then exits 0; a second signal exits at once (status 128 + signal number).",
    )
    _tick_flags(schedule_cmd)
    schedule_cmd.set_defaults(run=actions.run_schedule)

    serve_cmd = _command(
        commands,
        "serve",
        [common, building],
        "serve the feeds over HTTP (ETag, 304, gzip), optionally rebuilding on a schedule",
        "Serve the output directory with waitress under the path of site.feeds_url (default /feeds/, so "
        "http://127.0.0.1:8080/feeds/atom.xml), where the documents' links point; / and the path without its "
        "slash redirect to the path, which answers with index.html. Feed media types, strong ETags, "
        "Last-Modified, 304 Not Modified, gzip, and a browser gets a feed's page. With --every or --at, the feeds "
        "are also rebuilt on those ticks in the same process; with --watch, as soon as a seed lands. "
        "SIGINT or SIGTERM stops it (exit 0).",
    )
    serve_cmd.add_argument("--host", help="address to listen on (default: 127.0.0.1, or [serve] host)")
    serve_cmd.add_argument(
        "--port", type=_port, help="port to listen on, 0 to 65535 (default: 8080, or [serve] port; 0: any free port)"
    )
    serve_cmd.add_argument(
        "--max-age", type=_max_age, help="Cache-Control max-age in seconds (default: 300, or [serve] max_age)"
    )
    _tick_flags(serve_cmd)
    serve_cmd.set_defaults(run=actions.run_serve)

    deploy_cmd = _command(
        commands,
        "deploy",
        [common, config, target],
        "upload the output directory to S3-compatible object storage, only what changed",
        "Upload the output directory (--out, default feeds) to s3://BUCKET[/PREFIX] with boto3 "
        "(pip install 'seedfeed[s3]'; credentials from its standard chain: environment, ~/.aws, instance role). "
        "Only objects whose content changed are sent (content hashes, kept in a manifest object beside them), "
        "in an order that never breaks a reader: archive pages and topic feeds first, then the subscription "
        "feeds, then the JSON Feed, pages, OPML and index; deletions last. Each object gets its media type and "
        "Cache-Control ([deploy] cache_control, archive_cache_control). Prints one line: what was uploaded, "
        "deleted and left unchanged (with --dry-run, each object that would be).",
    )
    deploy_cmd.add_argument("--out", type=Path, metavar="DIR", help="output directory to deploy (default: feeds)")
    deploy_cmd.add_argument("--dry-run", action="store_true", help="say what would be sent and deleted; send nothing")
    deploy_cmd.set_defaults(run=actions.run_deploy)

    parse_cmd = _command(
        commands,
        "parse",
        [common, config],
        "show how one seed file is understood",
        "Parse one seed and print the article: title, language, paragraphs, credits, related stories, dates and "
        "link. Dates come from the seed alone (front matter or file name).",
    )
    parse_cmd.add_argument("file", type=Path, metavar="FILE", help="the seed file to parse")
    parse_cmd.add_argument("--json", action="store_true", help="print the article as JSON")
    parse_cmd.set_defaults(run=actions.run_parse)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also rejects nan
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def _port(text: str) -> int:
    return _whole(text, MAX_PORT, "a port")


def _max_age(text: str) -> int:
    return _whole(text, MAX_AGE, "a number of seconds")


def _whole(text: str, most: int, what: str) -> int:
    """``text`` as a whole number from 0 to ``most``; only digits (``int`` would also take ``-1``, ``1_0``, ``٣``)."""
    if not re.fullmatch(r"[0-9]{1,10}", text.strip()) or int(text) > most:
        raise argparse.ArgumentTypeError(f"expected {what} from 0 to {most}, got {text!r}")
    return int(text)


def _http_url(text: str) -> str:
    """An absolute http(s) URL, checked as a seed's URL is (:func:`~seedfeed.ingest.slug.http_url`)."""
    try:
        uri = http_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} {exc}") from None
    if not text.isascii():
        raise argparse.ArgumentTypeError(f"{text!r} has non-ASCII characters: percent-encode them")
    return uri


def _tick_flags(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--watch",
        action="store_true",
        help="rebuild as soon as a seed file or the configuration file changes (file notifications)",
    )
    command.add_argument("--every", metavar="N[smh]", help="rebuild every N seconds, minutes or hours, e.g. 15m")
    command.add_argument(
        "--at", action="append", default=[], metavar="HH:MM", help="rebuild daily at this local time; may be repeated"
    )


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    parents: list[argparse.ArgumentParser],
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        parents=parents,
        help=summary,
        description=textwrap.fill(description, 79),
        epilog=epilog(name),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _noise_flags(default: object) -> argparse.ArgumentParser:
    """``-v`` / ``-q``, accepted before and after the command.

    The subcommands' copies default to SUPPRESS so that ``seedfeed -q build``
    is not undone by the subparser's own default.
    """
    parser = argparse.ArgumentParser(add_help=False, argument_default=default)
    parser.add_argument("-v", "--verbose", action="store_true", help="also log what each step does")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors (for cron)")
    return parser
