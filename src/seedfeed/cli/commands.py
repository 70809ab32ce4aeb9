"""What each command does: parse its arguments, call one library function, print one summary line.

Errors are not caught here: they carry their exit code to :func:`seedfeed.cli.main`.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import progress
from ..build import Report, build
from ..codec import article_to_dict
from ..config import Config, load_config
from ..errors import EXIT_OK, EXIT_REJECTED, ConfigError, SeedfeedError
from ..ingest.load import load_seed
from ..plan.links import entry_link
from .summary import summary

if TYPE_CHECKING:
    import schedule

log = logging.getLogger("seedfeed")


class _Publisher:
    """What one publish is: a build, and with ``--deploy`` the deploy after it, then the WebSub pings.

    Pings go out only once the change is visible where readers fetch it: after the deploy.
    With ``background`` (``schedule``, ``serve``), the deploy and its pings run in a thread beside the
    builds (:class:`seedfeed.deploy.Background`): a storage that does not answer never holds up the next
    local build, a failure is one line, and the next build's deploy tries again. :meth:`close` at the end.
    """

    def __init__(self, args: argparse.Namespace, config: Config, *, background: bool = False) -> None:
        self.args = args
        self.deploying = bool(getattr(args, "deploy", False))
        given = [
            flag
            for flag, value in (("--to", args.to), ("--endpoint-url", args.endpoint_url), ("--gzip", args.gzip))
            if value
        ]
        if given and not self.deploying:
            raise ConfigError(f"{', '.join(given)} only applies with --deploy (or use 'seedfeed deploy')")
        self.deploys: Any = None
        if self.deploying:
            _deploy_settings(args, config)  # wrong settings are exit 2 now, not a failing deploy after each build
            if background:
                from ..websub import defer

                self.deploys = Background(self._deploy_and_announce, defer)

    def __call__(self, config: Config, **options: Any) -> Report:
        report = build(config, wait=self.args.wait, announce=not self.deploying, **options)
        if self.deploys is not None:
            self.deploys.submit(config, report.written)
        elif self.deploying:
            self._deploy_and_announce(config, report.written)
        return report

    def _deploy_and_announce(self, config: Config, written: Sequence[str]) -> None:
        _deploy(self.args, config)
        from ..websub import announce  # urllib: imported only by a command that deploys

        announce(config, written)

    def close(self) -> None:
        """Let a deploy running in the background finish (it gives up on its own within 30 s)."""
        if self.deploys is not None:
            self.deploys.close()


class Background:
    """Deploys beside the builds, in one thread: at most one at a time, always of the latest output.

    ``job(config, written)`` is one deploy and what follows it (the WebSub
    pings of the feeds in ``written``). :meth:`submit` it after each build
    and return at once: a deploy that waits for a storage that does not answer
    never holds up the next local build. Builds made while a deploy runs are
    coalesced: one more deploy runs after it, with the latest configuration
    and every file those builds wrote. A failing deploy is one error line, and
    ``keep(config, written)`` is given what it could not announce; the next
    build's :meth:`submit` tries again.
    """

    def __init__(
        self, job: Callable[[Any, list[str]], None], keep: Callable[[Any, list[str]], None] | None = None
    ) -> None:
        self._job = job
        self._keep = keep
        self._lock = threading.Lock()
        self._queued: tuple[Any, set[str]] | None = None  # (config, written): the next deploy to run
        self._thread: threading.Thread | None = None
        self._closed = False
        self.deploys = 0
        self.failures = 0

    def submit(self, config: Any, written: Iterable[str]) -> None:
        """Deploy ``config``'s output after the running deploy, if any (one deploy for every build until then)."""
        with self._lock:
            if self._closed:
                return
            before = self._queued[1] if self._queued else set()
            self._queued = (config, before | set(written))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="seedfeed-deploy", daemon=True)
                self._thread.start()

    def busy(self) -> bool:
        """Whether a deploy is running or waiting to run."""
        with self._lock:
            return self._thread is not None

    def close(self) -> None:
        """Let the running deploy finish (it gives up on its own: :attr:`Settings.patience` per request); start
        no other. What a queued deploy would have announced is handed to ``keep``."""
        with self._lock:
            self._closed = True
            queued, self._queued = self._queued, None
            thread = self._thread
        if thread is not None:
            log.info("waiting for the running deploy to finish (a second signal stops at once)")
            thread.join()
        if queued is not None:
            self._kept(queued[0], sorted(queued[1]))

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._queued is None or self._closed:
                    self._thread = None
                    return
                config, written = self._queued
                self._queued = None
            self.deploys += 1
            try:
                self._job(config, sorted(written))
            except Exception as exc:  # a deploy is never the end of the builds: one line, and again next time
                self.failures += 1
                what = exc.describe() if isinstance(exc, SeedfeedError) else f"deploy: {type(exc).__name__}: {exc}"
                log.error("%s; the local feeds are published, the deploy is tried again after the next build", what)
                self._kept(config, sorted(written))

    def _kept(self, config: Any, written: list[str]) -> None:
        if self._keep is None or not written:
            return
        try:
            self._keep(config, written)
        except Exception as exc:
            log.error("cannot keep what the deploy did not announce: %s: %s", type(exc).__name__, exc)


def _deploy(args: argparse.Namespace, config: Config) -> None:
    from ..deploy import deploy

    settings = _deploy_settings(args, config)
    report = deploy(config, settings, dry_run=getattr(args, "dry_run", False))
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
    from ..deploy import TIMEOUT, Settings, Target

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
        timeout=float(table.get("timeout", TIMEOUT)),
    )


def run_deploy(args: argparse.Namespace) -> int:
    config = load_config(args.config, out=args.out)
    if not (args.quiet or args.verbose):
        logging.getLogger("seedfeed").setLevel(logging.INFO)
    _deploy(args, config)
    return EXIT_OK


def run_build(args: argparse.Namespace) -> int:
    config = load_config(args.config, seeds=args.seeds, out=args.out)
    report = _Publisher(args, config)(config, progress=progress.wanted(args.quiet))
    if not args.quiet:
        print(summary(report, config.out))
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


def _planned(
    args: argparse.Namespace, config: Config, publish: _Publisher, *, fallback: bool = False, build_with: Any = None
) -> tuple[Any, schedule.Scheduler, str] | None:
    """The runner and scheduler of ``--every`` / ``--at`` (or ``[schedule]``), or ``None`` without ticks.

    ``fallback``: without ticks, a full build every :data:`FALLBACK_EVERY` (``--watch`` where there are no
    file notifications). ``build_with``: the build each tick runs (default: ``publish`` of ``config``).
    """
    from .. import scheduler

    every, at = _ticks(args, config)
    if not (every or at):
        if not fallback:
            return None
        every = FALLBACK_EVERY
    runner = scheduler.Runner(build_with or (lambda: publish(config)))
    return runner, scheduler.make_scheduler(every, at, runner.tick), _describe(every, at)


#: The full scan that stands in for file notifications where there are none, unless --every says otherwise.
FALLBACK_EVERY = timedelta(seconds=10)


def run_schedule(args: argparse.Namespace) -> int:
    from .. import scheduler

    config = load_config(args.config, seeds=args.seeds, out=args.out)
    if not (args.quiet or args.verbose):
        logging.getLogger("seedfeed").setLevel(logging.INFO)  # one line per tick is the point
    publish = _Publisher(args, config, background=True)
    stop = scheduler.Stop()
    stop.install()
    watching = _watching(args, config, stop, publish) if args.watch else None
    if watching is not None:
        log.info("watching %s, building into %s", config.seeds, config.out)
        watching.run()
        log.info("stopped after %d build(s), %d of them failed", watching.builds, watching.failures)
        publish.close()  # not on a second signal: that exits at once
        return EXIT_OK
    planned = _planned(args, config, publish, fallback=args.watch)
    if planned is None:
        raise ConfigError("schedule needs --watch, --every or --at (or [schedule] every / at in seedfeed.toml)")
    runner, plan, when = planned
    log.info("scheduling builds of %s into %s %s", config.seeds, config.out, when)
    scheduler.run(plan, runner, stop)
    log.info("stopped after %d tick(s), %d of them failed", runner.ticks, runner.failures)
    publish.close()
    return EXIT_OK


def _watching(args: argparse.Namespace, config: Config, stop: Any, publish: _Publisher) -> Any:
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
    planned = _planned(args, config, publish, build_with=lambda: publish(current[0]))

    def reload() -> None:
        try:
            current[0] = load_config(args.config, seeds=args.seeds, out=args.out)
        except ConfigError as exc:
            log.error("%s; keeping the previous settings", exc.describe())
        except Exception as exc:  # whatever a reload raises, the watcher goes on with what it had
            log.error(
                "%s: changed, but cannot be used (%s: %s); keeping the previous settings",
                args.config or DEFAULT_FILE,
                type(exc).__name__,
                exc,
            )
        else:
            log.info("configuration file changed: settings reloaded")

    watch.ignore_lease_breaks()
    return watch.Watch(
        seeds=config.seeds,
        config_file=Path(args.config) if args.config else Path(DEFAULT_FILE),
        build=lambda names: publish(current[0], changed=names),
        reload=reload,
        stop=stop,
        ticks=planned[1] if planned else None,
    )


def run_serve(args: argparse.Namespace) -> int:
    from .. import scheduler
    from ..serve import FeedApp, run_server
    from ..serve.app import Published

    config = load_config(args.config, seeds=args.seeds, out=args.out)
    max_age = config.max_age if args.max_age is None else args.max_age
    mount = urlsplit(config.site.feeds_url).path  # the output is served at the address its documents give
    app = FeedApp(config.out, max_age=max_age, title=config.site.title, published=Published(config.state), mount=mount)
    background: Callable[[threading.Event], None] | None = None
    publish = _Publisher(args, config, background=True)
    watching = _watching(args, config, None, publish) if args.watch else None
    planned = None if watching is not None else _planned(args, config, publish, fallback=args.watch)
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
    publish.close()
    return EXIT_OK


def run_parse(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    article = load_seed(args.file, config.site).article
    assert article is not None
    if not article.link:  # where the build would link it; a pattern with a date waits for the first build's
        article = replace(article, link=entry_link(config.site, article.slug, article.published) or "")
    data = article_to_dict(article)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    for key, value in data.items():
        print(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return EXIT_OK
