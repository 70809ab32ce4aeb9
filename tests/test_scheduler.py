"""``seedfeed schedule`` driven without real waiting: intervals, --at times, recovery, signals."""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest

from seedfeed.build import Report
from seedfeed.errors import ConfigError, PublishError
from seedfeed.scheduler import Runner, Stop, check_at, make_scheduler, parse_every, run

REPORT = Report(seeds=3, articles=3, entries=3, new=1, changed=1, removed=0, rejected=(), written=("atom.xml",))


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("15m", timedelta(minutes=15)),
        ("1s", timedelta(seconds=1)),
        ("2h", timedelta(hours=2)),
        (" 90s", timedelta(seconds=90)),
    ],
)
def test_every_takes_seconds_minutes_and_hours(text: str, delta: timedelta) -> None:
    assert parse_every(text) == delta


@pytest.mark.parametrize("text", ["15", "0m", "m", "1d", "-5s", "1.5h"])
def test_bad_every_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="--every"):
        parse_every(text)


@pytest.mark.parametrize("text", ["6:30", "24:00", "06:60", "noon"])
def test_bad_at_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="--at"):
        check_at(text)


def test_interval_job_runs_every_n_seconds() -> None:
    scheduler = make_scheduler(timedelta(minutes=15), (), lambda: None)
    (job,) = scheduler.jobs
    assert (job.interval, job.unit) == (900, "seconds")
    assert 899 <= scheduler.idle_seconds <= 900


def test_at_times_are_daily_jobs_and_may_be_repeated() -> None:
    scheduler = make_scheduler(None, ("06:30", "18:00"), lambda: None)
    assert sorted(job.at_time for job in scheduler.jobs) == [time(6, 30), time(18, 0)]
    assert all(job.unit == "days" and job.interval == 1 for job in scheduler.jobs)


def test_schedule_needs_every_or_at() -> None:
    with pytest.raises(ConfigError, match="needs --every or --at"):
        make_scheduler(None, (), lambda: None)


@dataclass
class FakeScheduler:
    """Stands in for schedule.Scheduler: every run_pending is one due tick; no real time passes."""

    job: object
    idle: float = 900.0
    waits: list[float] = field(default_factory=list)

    @property
    def idle_seconds(self) -> float:
        return self.idle

    def run_pending(self) -> None:
        self.job()


class CountingStop(Stop):
    """A Stop whose wait() records the sleep and stops the loop after ``limit`` waits."""

    def __init__(self, limit: int, scheduler: FakeScheduler) -> None:
        super().__init__()
        self.limit, self.scheduler = limit, scheduler
        self.event.wait = self._wait  # type: ignore[method-assign]

    def _wait(self, timeout: float | None = None) -> bool:
        self.scheduler.waits.append(timeout or 0.0)
        if len(self.scheduler.waits) >= self.limit:
            self.event.set()
        return self.event.is_set()


def test_loop_builds_at_start_then_sleeps_until_each_tick() -> None:
    builds: list[int] = []
    runner = Runner(lambda: builds.append(1) or REPORT)
    fake = FakeScheduler(runner.tick)
    run(fake, runner, CountingStop(4, fake))  # type: ignore[arg-type]
    assert len(builds) == 4  # one at start, then one per completed wait
    assert fake.waits == [900.0] * 4  # slept the scheduler's idle time: no busy loop


def test_failing_build_is_logged_and_retried_at_the_next_tick(caplog) -> None:
    outcomes: list[Exception | Report] = [PublishError("feeds/atom.xml", "disk full"), OSError(13, "denied"), REPORT]

    def build() -> Report:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    runner = Runner(build, clock=iter([0.0, 0.25] * 5).__next__)
    fake = FakeScheduler(runner.tick)
    with caplog.at_level(logging.INFO, logger="seedfeed"):
        run(fake, runner, CountingStop(3, fake))  # type: ignore[arg-type]
    assert (runner.ticks, runner.failures) == (3, 2)
    messages = [r.getMessage() for r in caplog.records]
    assert "build failed, retrying at the next tick: PublishError: feeds/atom.xml: disk full" in messages
    assert "build failed, retrying at the next tick: PermissionError: [Errno 13] denied" in messages
    assert messages[-1] == "tick: 3 seen, 1 new, 1 changed, 0 removed, 0 rejected, 1 files rewritten, 0.25 s"


def test_first_signal_lets_the_build_finish_and_the_second_exits_at_once() -> None:
    stop = Stop()
    stop._handle(signal.SIGTERM, None)
    assert stop.event.is_set()
    with pytest.raises(SystemExit) as caught:
        stop._handle(signal.SIGINT, None)
    assert caught.value.code == 128 + signal.SIGINT


def test_signal_during_a_build_stops_the_loop_after_that_build() -> None:
    stop = Stop()
    builds: list[int] = []

    def build() -> Report:
        builds.append(1)
        if len(builds) == 2:
            stop._handle(signal.SIGTERM, None)  # arrives while the second build runs
        return REPORT

    runner = Runner(build)
    fake = FakeScheduler(runner.tick, idle=0.0)
    run(fake, runner, stop)  # type: ignore[arg-type]
    assert len(builds) == 2
