"""``seedfeed schedule``: rebuild the feeds on the ticks of a ``schedule.Scheduler``.

Named ``scheduler`` so it never shadows the ``schedule`` package. The loop
builds once at start, then sleeps until the next job is due
(``Scheduler.idle_seconds``), so it costs no CPU while idle. A failing build
is logged with its cause and tried again at the next tick; the loop never dies
from it and the last good feeds stay in place. ``schedule`` itself does not
catch exceptions raised inside jobs: :meth:`Runner.tick` does.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType

import schedule

from .build import Report
from .errors import ConfigError

log = logging.getLogger(__name__)

_EVERY_RE = re.compile(r"([0-9]+)\s*([smh])")
_AT_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_UNITS = {"s": 1, "m": 60, "h": 3600}
#: The longest --every: a year and a day. Longer is a typo, and Python's timedelta overflows not far beyond.
MAX_EVERY = timedelta(days=366)


def parse_every(text: str, where: str = "--every") -> timedelta:
    """``"15m"`` → 15 minutes; units ``s``, ``m``, ``h``; at most :data:`MAX_EVERY`.

    >>> parse_every("90s")
    datetime.timedelta(seconds=90)
    """
    match = _EVERY_RE.fullmatch(text.strip())
    digits = match.group(1).lstrip("0") if match else ""  # as text first: int() refuses 5,000 digits
    if match is None or not digits:
        raise ConfigError(f"{where} {text!r}: expected a positive number with a unit s, m or h, such as 15m")
    if len(digits) > 12 or int(digits) * _UNITS[match.group(2)] > MAX_EVERY.total_seconds():
        raise ConfigError(f"{where} {text!r}: at most {MAX_EVERY.days} days ({MAX_EVERY.days * 24}h)")
    return timedelta(seconds=int(digits) * _UNITS[match.group(2)])


def check_at(text: str, where: str = "--at") -> str:
    """Validate a daily ``HH:MM`` time (the machine's local time); ``where`` names it in the error."""
    if not _AT_RE.match(text.strip()):
        raise ConfigError(f"{where} {text!r}: expected a time of day HH:MM, such as 06:30")
    return text.strip()


def make_scheduler(every: timedelta | None, at: tuple[str, ...], job: Callable[[], None]) -> schedule.Scheduler:
    """A scheduler (not the module-global one) that runs ``job`` every ``every`` and daily at each ``at``."""
    if every is None and not at:
        raise ConfigError("schedule needs --every or --at (or [schedule] every / at in seedfeed.toml)")
    scheduler = schedule.Scheduler()
    if every is not None:
        scheduler.every(int(every.total_seconds())).seconds.do(job)
    for moment in at:
        scheduler.every().day.at(moment).do(job)
    return scheduler


@dataclass
class Stop:
    """Set by SIGINT / SIGTERM. The first signal lets a running build finish; the second exits at once."""

    event: threading.Event = field(default_factory=threading.Event)

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.event.is_set():
            # Raised inside the running build: publish's cleanup removes its
            # temporary files on the way out, and no published file is partial.
            raise SystemExit(128 + signum)
        log.warning("%s received: finishing the current build, then exiting", signal.Signals(signum).name)
        self.event.set()


@dataclass
class Runner:
    """Runs one build per tick and logs one line for it; never lets an exception out."""

    build: Callable[[], Report]
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    ticks: int = 0

    def tick(self) -> None:
        self.ticks += 1
        start = self.clock()
        try:
            report = self.build()
        except Exception as exc:  # the loop must survive any stage failing
            self.failures += 1
            log.error("build failed, retrying at the next tick: %s: %s", type(exc).__name__, exc)
            return
        log.info("tick: %d seen, %s, %.2f s", report.seeds, counts(report), self.clock() - start)


def counts(report: Report) -> str:
    """What a build changed, for its log line: ``1 new, 0 changed, 0 removed, 0 rejected, 6 files rewritten``."""
    return (
        f"{report.new} new, {report.changed} changed, {report.removed} removed, "
        f"{len(report.rejected)} rejected, {len(report.written)} files rewritten"
    )


def run(scheduler: schedule.Scheduler, runner: Runner, stop: Stop) -> None:
    """Build once now, then on every tick until ``stop`` is set."""
    from .store.snapshot import keep_listings

    keep_listings()  # every build after the first loads no listing
    runner.tick()
    while not stop.event.is_set():
        idle = scheduler.idle_seconds
        if idle is not None and idle > 0:
            stop.event.wait(idle)  # wakes at once when a signal sets the event
        if not stop.event.is_set():
            scheduler.run_pending()
