"""The command line: ``seedfeed build`` and ``seedfeed parse``.

The only place where errors become exit codes:

====  ==========================================================
0     success: every seed was published
1     some seeds were rejected (each named on stderr); the rest were published
2     usage or configuration error (bad flag, bad seedfeed.toml, no seeds directory)
3     the feeds could not be written or failed verification; the previous feeds are intact
4     another build held the lock on the output directory for longer than --wait
5     the state database or the lock file cannot be written (read-only, full disk, permissions)
====  ==========================================================
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, progress
from ..build import Report, announce, build, load_seed
from ..codec import article_to_dict
from ..config import Config, load_config
from ..errors import BusyError, ConfigError, DeployError, PublishError, SeedError, StateError
from ..store.lock import DEFAULT_WAIT

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_PUBLISH = 3
EXIT_BUSY = 4
EXIT_STATE = 5
EXIT_DEPLOY = 6

_DEPLOY_EPILOG = """\
exit codes:
  0  deployed (or, with --dry-run, planned)
  2  usage or configuration error: no --to, not an s3:// URL, a bad [deploy] table
  6  the object storage refused (no such bucket, access denied, unknown or wrong credentials) or
     could not be reached after retries; what is there stays consistent, the next deploy finishes
"""

if TYPE_CHECKING:
    import schedule

log = logging.getLogger("seedfeed")

_EPILOG = """\
exit codes:
  0  every seed was published
  1  some seeds were rejected (each named on stderr); the others were published
  2  usage or configuration error
  3  the feeds could not be written or failed verification; the previous feeds are intact
  4  another build held the output directory's lock for longer than --wait
  5  the state database or the lock file cannot be written (read-only, full disk, permissions);
     no feed was left half-written
  6  deploy: the object storage refused (no such bucket, access denied, bad credentials) or could
     not be reached after retries; what is there stays consistent, the next deploy finishes
  130, 143  schedule: a second SIGINT / SIGTERM stopped it at once (128 + signal)
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
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
    except ConfigError as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    except PublishError as exc:
        log.error("%s; the previous feeds were left in place", exc)
        return EXIT_PUBLISH
    except BusyError as exc:
        log.error("%s; nothing was done", exc)
        return EXIT_BUSY
    except StateError as exc:
        log.error("%s; no feed was left half-written", exc)
        return EXIT_STATE
    except DeployError as exc:
        log.error("deploy: %s", exc)
        return EXIT_DEPLOY


def _parser() -> argparse.ArgumentParser:
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
        epilog=_EPILOG,
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
    target.add_argument("--endpoint-url", metavar="URL", help="an S3-compatible endpoint (MinIO, R2, Ceph, B2)")
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
        "feed.json (JSON Feed), archive/N.atom.xml and archive/N.rss.xml (RFC 5005 archive pages, oldest first), "
        "tags/<tag>.* and sources/<source>.* (a feed per tag and per credited source), index.html (the feeds "
        "with autodiscovery links), feeds.opml (every feed, for a reader's import), and the browser view of "
        "every subscription, tag and source feed: the same name ending .html (atom.html, feed.html, "
        "tags/<tag>.rss.html), which `seedfeed serve` gives a browser asking for text/html. A file whose "
        "bytes would not change is not rewritten; a new one is verified before it replaces the old one. "
        "The state (what was seen when, the archive pages) is kept in .seedfeed/ beside the seeds.",
    )
    build_cmd.set_defaults(run=_run_build)

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
    schedule_cmd.set_defaults(run=_run_schedule)

    serve_cmd = _command(
        commands,
        "serve",
        [common, building],
        "serve the feeds over HTTP (ETag, 304, gzip), optionally rebuilding on a schedule",
        "Serve the output directory with waitress: feed media types, strong ETags, Last-Modified, 304 Not "
        "Modified, gzip, and an index page with autodiscovery links at /. With --every or --at, the feeds "
        "are also rebuilt on those ticks in the same process; with --watch, as soon as a seed lands. "
        "SIGINT or SIGTERM stops it (exit 0).",
    )
    serve_cmd.add_argument("--host", help="address to listen on (default: 127.0.0.1, or [serve] host)")
    serve_cmd.add_argument("--port", type=int, help="port to listen on (default: 8080, or [serve] port)")
    serve_cmd.add_argument("--max-age", type=int, help="Cache-Control max-age in seconds (default: 300)")
    _tick_flags(serve_cmd)
    serve_cmd.set_defaults(run=_run_serve)

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
        _DEPLOY_EPILOG,
    )
    deploy_cmd.add_argument("--out", type=Path, metavar="DIR", help="output directory to deploy (default: feeds)")
    deploy_cmd.add_argument("--dry-run", action="store_true", help="say what would be sent and deleted; send nothing")
    deploy_cmd.set_defaults(run=_run_deploy)

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
    parse_cmd.set_defaults(run=_run_parse)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also rejects nan
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


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
    epilog: str = _EPILOG,
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        parents=parents,
        help=summary,
        description=textwrap.fill(description, 79),
        epilog=epilog,
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


def _publisher(args: argparse.Namespace) -> Callable[..., Report]:
    """What one publish is: a build, and with ``--deploy`` the deploy after it, then the WebSub pings.

    Pings go out only once the change is visible where readers fetch it: after the deploy.
    """

    deploying = getattr(args, "deploy", False)
    given = [
        flag
        for flag, value in (("--to", args.to), ("--endpoint-url", args.endpoint_url), ("--gzip", args.gzip))
        if value
    ]
    if given and not deploying:
        raise ConfigError(f"{', '.join(given)} only applies with --deploy (or use 'seedfeed deploy')")

    def publish(config: Config, **options: Any) -> Report:
        report = build(config, wait=args.wait, announce=not deploying, **options)
        if deploying:
            _deploy(args, config)
            announce(config, report.written)
        return report

    return publish


def _deploy(args: argparse.Namespace, config: Config) -> None:
    from ..deploy import deploy

    settings = _deploy_settings(args, config)
    report = deploy(config.out, settings, dry_run=getattr(args, "dry_run", False))
    if report.dry_run and not args.quiet:
        for name in report.uploaded:
            print(f"would upload {settings.to}{name}")
        for name in report.deleted:
            print(f"would delete {settings.to}{name}")
    line = (
        f"deploy to {settings.to}: {'would upload' if report.dry_run else 'uploaded'} {len(report.uploaded)} "
        f"object(s), {'would delete' if report.dry_run else 'deleted'} {len(report.deleted)}, "
        f"{report.unchanged} unchanged"
    )
    if args.command == "build" and not args.quiet:
        print(f"seedfeed: {line}")  # beside the build's own summary line
    else:
        log.info("%s", line)


def _deploy_settings(args: argparse.Namespace, config: Config) -> Any:
    from ..deploy import Settings, Target

    table = config.deploy
    to = getattr(args, "to", None) or table.get("to")
    if not to:
        raise ConfigError("deploy needs --to s3://BUCKET[/PREFIX] (or [deploy] to in seedfeed.toml)")
    return Settings(
        to=Target.parse(to),
        endpoint_url=getattr(args, "endpoint_url", None) or table.get("endpoint_url"),
        region=table.get("region"),
        gzip=bool(getattr(args, "gzip", False) or table.get("gzip", False)),
        cache_control=table.get("cache_control", f"public, max-age={config.max_age}"),
        archive_cache_control=table.get("archive_cache_control", "public, max-age=86400"),
    )


def _run_deploy(args: argparse.Namespace) -> int:
    config = load_config(args.config, out=args.out)
    if not (args.quiet or args.verbose):
        logging.getLogger("seedfeed").setLevel(logging.INFO)
    _deploy(args, config)
    return EXIT_OK


def _run_build(args: argparse.Namespace) -> int:
    config = load_config(args.config, seeds=args.seeds, out=args.out)
    report = _publisher(args)(config, progress=progress.wanted(args.quiet))
    if not args.quiet:
        files = _files(report.written)
        print(
            f"seedfeed: {report.entries} of {report.articles} articles in the feeds "
            f"({report.seeds} seed{'' if report.seeds == 1 else 's'}, {len(report.rejected)} rejected, "
            f"{report.new} new, "
            f"{report.changed} changed, {report.removed} removed); wrote {files}"
            + (f"; removed {_files(report.deleted)}" if report.deleted else "")
            + f" in {config.out}"
        )
    return EXIT_REJECTED if report.rejected else EXIT_OK


def _ticks(args: argparse.Namespace, config: Config) -> tuple[timedelta | None, tuple[str, ...]]:
    """``--every`` / ``--at`` from the flags, else from ``[schedule]``; flags replace the file's."""
    from .. import scheduler

    every_text = args.every or (None if args.at else config.every)
    every = scheduler.parse_every(every_text, "--every" if args.every else "[schedule] every") if every_text else None
    at_from = "--at" if args.at else "[schedule] at"
    at = tuple(scheduler.check_at(a, at_from) for a in (args.at or ([] if args.every else config.at)))
    return every, at


def _describe(every: timedelta | None, at: tuple[str, ...]) -> str:
    parts = [f"every {every.total_seconds():g} s"] if every else []
    return ", ".join([*parts, *(f"daily at {a}" for a in at)])


def _files(written: Sequence[str]) -> str:
    """``atom.xml, rss.xml``, or ``atom.xml, rss.xml and 398 archive pages and topic feeds`` for a long list."""
    if not written:
        return "nothing (feeds unchanged)"
    main = [name for name in written if "/" not in name]
    rest = len(written) - len(main)
    if rest <= 4:
        return ", ".join(written)
    return ", ".join(main) + (" and " if main else "") + f"{rest} archive pages and topic feeds"


def _planned(
    args: argparse.Namespace, config: Config, *, fallback: bool = False, build_with: Any = None
) -> tuple[Any, schedule.Scheduler, str] | None:
    """The runner and scheduler of ``--every`` / ``--at`` (or ``[schedule]``), or ``None`` without ticks.

    ``fallback``: without ticks, a full build every :data:`FALLBACK_EVERY` (``--watch`` where there are no
    file notifications). ``build_with``: the build each tick runs (default: ``config``'s).
    """
    from .. import scheduler

    every, at = _ticks(args, config)
    if not (every or at):
        if not fallback:
            return None
        every = FALLBACK_EVERY
    runner = scheduler.Runner(build_with or (lambda: _publisher(args)(config)))
    return runner, scheduler.make_scheduler(every, at, runner.tick), _describe(every, at)


#: The full scan that stands in for file notifications where there are none, unless --every says otherwise.
FALLBACK_EVERY = timedelta(seconds=10)


def _run_schedule(args: argparse.Namespace) -> int:
    from .. import scheduler

    config = load_config(args.config, seeds=args.seeds, out=args.out)
    if not (args.quiet or args.verbose):
        logging.getLogger("seedfeed").setLevel(logging.INFO)  # one line per tick is the point
    stop = scheduler.Stop()
    stop.install()
    watching = _watching(args, config, stop) if args.watch else None
    if watching is not None:
        log.info("watching %s, building into %s", config.seeds, config.out)
        watching.run()
        log.info("stopped after %d build(s), %d of them failed", watching.builds, watching.failures)
        return EXIT_OK
    planned = _planned(args, config, fallback=args.watch)
    if planned is None:
        raise ConfigError("schedule needs --watch, --every or --at (or [schedule] every / at in seedfeed.toml)")
    runner, plan, when = planned
    log.info("scheduling builds of %s into %s %s", config.seeds, config.out, when)
    scheduler.run(plan, runner, stop)
    log.info("stopped after %d tick(s), %d of them failed", runner.ticks, runner.failures)
    return EXIT_OK


def _watching(args: argparse.Namespace, config: Config, stop: Any) -> Any:
    """The ``--watch`` loop (with the ``--every``/``--at`` ticks as its safety net), or ``None`` where the
    kernel gives no file notifications: a warning says so, and the ticks (or a scan every 10 s) stand in."""
    from .. import watch
    from ..config import DEFAULT_FILE

    if not watch.notifications_available():
        log.warning(
            "file notifications are not available here: --watch falls back to a full scan on the --every/--at "
            "ticks (every %g s when none is given)",
            FALLBACK_EVERY.total_seconds(),
        )
        return None
    current = [config]
    publish = _publisher(args)
    planned = _planned(args, config, build_with=lambda: publish(current[0]))

    def reload() -> None:
        try:
            current[0] = load_config(args.config, seeds=args.seeds, out=args.out)
            log.info("configuration file changed: settings reloaded")
        except ConfigError as exc:
            log.error("%s; keeping the previous settings", exc)

    watch.ignore_lease_breaks()
    return watch.Watch(
        seeds=config.seeds,
        config_file=Path(args.config) if args.config else Path(DEFAULT_FILE),
        build=lambda names: publish(current[0], changed=names),
        reload=reload,
        stop=stop,
        ticks=planned[1] if planned else None,
    )


def _run_serve(args: argparse.Namespace) -> int:
    from .. import scheduler
    from ..serve.app import FeedApp, run_server

    config = load_config(args.config, seeds=args.seeds, out=args.out)
    app = FeedApp(config.out, max_age=config.max_age if args.max_age is None else args.max_age, title=config.site.title)
    background: Callable[[threading.Event], None] | None = None
    watching = _watching(args, config, None) if args.watch else None
    planned = None if watching is not None else _planned(args, config, fallback=args.watch)
    if watching is not None:

        def background(stop: threading.Event) -> None:
            watching.stop = scheduler.Stop(stop)
            watching.run()

        log.info("watching %s, building into %s", config.seeds, config.out)
    elif planned is not None:
        runner, plan, when = planned

        def background(stop: threading.Event) -> None:
            scheduler.run(plan, runner, scheduler.Stop(stop))

        log.info("rebuilding %s from %s %s", config.out, config.seeds, when)
    elif not config.out.is_dir():
        log.warning("%s does not exist yet: run 'seedfeed build' or give --every", config.out)
    if not (args.quiet or args.verbose):
        logging.getLogger("seedfeed").setLevel(logging.INFO)
    run_server(app, args.host or config.host, config.port if args.port is None else args.port, background=background)
    return EXIT_OK


def _run_parse(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        article = load_seed(args.file, config.site).article
    except SeedError as exc:
        log.error("%s", exc)
        return EXIT_REJECTED
    data = article_to_dict(article)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    for key, value in data.items():
        print(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return EXIT_OK
