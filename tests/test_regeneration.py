"""Regeneration as cron and the scheduler do it, with real processes: follow changes, overlap, crash.

These tests start ``python -m seedfeed`` as subprocesses on a temporary
directory; waits are polls with a deadline, never fixed sleeps.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from seedfeed.errors import BusyError
from seedfeed.store.lock import build_lock

from .conftest import PROJECT, SHIPPED_SEED, wait_until

sys.path.insert(0, str(PROJECT / "bench"))
from kill_trials import descendants

SEEDFEED = [sys.executable, "-m", "seedfeed"]
DEADLINE = 15.0  # for a process to exit once told to


def entries(out: Path) -> dict[str, str]:
    if not (out / "atom.xml").exists():
        return {}
    parsed = feedparser.parse(str(out / "atom.xml"))
    if parsed.bozo:
        return {}
    return {e.id.rsplit(":", 1)[1]: e.title for e in parsed.entries}


def write_config(directory: Path, limit: int) -> Path:
    config = directory / "seedfeed.toml"
    config.write_text(f'[site]\nlimit = {limit}\n[paths]\nseeds = "seeds"\nout = "feeds"\n')
    return config


def many_seeds(seeds: Path, count: int) -> None:
    seeds.mkdir(exist_ok=True)
    body = SHIPPED_SEED.read_text(encoding="utf-8")
    for index in range(count):
        (seeds / f"2024-01-01-clanek-{index:05d}.txt").write_text(f"Članek {index}\n{body}", encoding="utf-8")


def test_schedule_follows_added_edited_and_deleted_seeds_and_stops_on_sigterm(tmp_path: Path) -> None:
    seeds, out, log = tmp_path / "seeds", tmp_path / "feeds", tmp_path / "schedule.log"
    seeds.mkdir()
    shutil.copy(SHIPPED_SEED, seeds)
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [*SEEDFEED, "schedule", "--every", "1s", "--seeds", str(seeds), "--out", str(out)], stderr=stderr
        )
        try:
            timings = {"first build": wait_until(lambda: len(entries(out)) == 1, "the first build")}
            (seeds / "2024-10-01-nova-novica.txt").write_text("Nova novica\nBesedilo.\n", encoding="utf-8")
            timings["added"] = wait_until(lambda: "2024-10-01-nova-novica" in entries(out), "the added seed")
            (seeds / "2024-10-01-nova-novica.txt").write_text("Popravljena novica\nBesedilo.\n", encoding="utf-8")
            timings["edited"] = wait_until(
                lambda: entries(out).get("2024-10-01-nova-novica") == "Popravljena novica", "the edit"
            )
            (seeds / "2024-10-01-nova-novica.txt").unlink()
            timings["deleted"] = wait_until(lambda: "2024-10-01-nova-novica" not in entries(out), "the deletion")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=DEADLINE) == 0
        finally:
            process.kill()
            process.wait()
    text = log.read_text()
    print("\n".join(f"{name}: seen in the feed after {seconds:.2f} s" for name, seconds in timings.items()))
    print(text)
    assert all(seconds < 5 for seconds in timings.values()), timings
    ticks = [line for line in text.splitlines() if ": tick: " in line]
    assert any(" 1 new," in line for line in ticks) and any(" 1 changed," in line for line in ticks)
    assert any(" 1 removed," in line for line in ticks)
    assert "SIGTERM received: finishing the current build, then exiting" in text
    assert feedparser.parse(str(out / "rss.xml")).bozo == 0


def lock_held(out: Path) -> bool:
    """Whether another process holds the build lock of ``out`` (the probe takes it for an instant if it is free)."""
    try:
        with build_lock(out, wait=0):
            return False
    except BusyError:
        return True


def stopped(process: subprocess.Popen[str]) -> bool:
    """Whether ``process`` is stopped by a signal (state ``T`` in ``/proc``), not merely sent SIGSTOP."""
    return Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"


def frozen_holding_the_lock(process: subprocess.Popen[str], out: Path) -> bool:
    """Stop ``process``; true if it holds the build lock of ``out``, else continue it and return false."""
    assert process.poll() is None, "the first build ended before it was seen holding the lock"
    process.send_signal(signal.SIGSTOP)
    wait_until(lambda: stopped(process), "the first build to stop")
    if lock_held(out):
        return True
    process.send_signal(signal.SIGCONT)
    return False


@pytest.mark.slow
def test_two_builds_at_once_both_end_with_a_documented_outcome(tmp_path: Path) -> None:
    many_seeds(tmp_path / "seeds", 1500)
    config, out = write_config(tmp_path, limit=1500), tmp_path / "feeds"
    build = [*SEEDFEED, "build", "-q", "--config", str(config)]
    first = subprocess.Popen(build, stderr=subprocess.PIPE, text=True)
    patient: subprocess.Popen[str] | None = None
    try:
        # The first build is frozen while it holds the lock, so the others always meet a held lock.
        wait_until(lambda: frozen_holding_the_lock(first, out), "the first build to hold the lock", poll=0.05)
        impatient = subprocess.run([*build, "--wait", "0"], capture_output=True, text=True, check=False)
        assert impatient.returncode == 4, impatient.stderr
        assert "another seedfeed build is running (waited 0 s); nothing was done" in impatient.stderr
        patient = subprocess.Popen([*build, "--wait", "60"], stderr=subprocess.PIPE, text=True)
        first.send_signal(signal.SIGCONT)
        _, first_err = first.communicate(timeout=60)
        _, patient_err = patient.communicate(timeout=90)
    finally:
        for process in (first, patient):
            if process is not None and process.poll() is None:  # a failure above: stopped, or still running
                process.kill()
                process.communicate()
    assert first.returncode == 0, first_err
    assert patient.returncode == 0, patient_err
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse(str(out / name))
        assert parsed.bozo == 0 and len(parsed.entries) == 1500


@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_build_leaves_the_previous_feeds_intact(tmp_path: Path) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    seeds.mkdir()
    shutil.copy(SHIPPED_SEED, seeds)
    config = write_config(tmp_path, limit=100000)
    subprocess.run([*SEEDFEED, "build", "-q", "--config", str(config)], check=True)
    before = {name: (out / name).read_bytes() for name in ("atom.xml", "rss.xml")}
    many_seeds(seeds, 4000)
    process = subprocess.Popen([*SEEDFEED, "build", "-q", "--config", str(config)])
    try:
        wait_until(lambda: any(p.name.endswith(".tmp") for p in out.iterdir()), "a temporary feed file", 60)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=DEADLINE) == -signal.SIGKILL
    finally:
        process.kill()
    for name, data in before.items():
        assert (out / name).read_bytes() == data
        assert feedparser.parse(str(out / name)).bozo == 0
    # The next build clears the dead build's temporary files and publishes everything.
    subprocess.run([*SEEDFEED, "build", "-q", "--config", str(config)], check=True)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert len(feedparser.parse(str(out / "atom.xml")).entries) == 4001


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_second_signal_exits_at_once_without_partial_files(tmp_path: Path, signum: int) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    many_seeds(seeds, 3000)
    write_config(tmp_path, limit=100000)
    log = tmp_path / "schedule.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([*SEEDFEED, "schedule", "--every", "1h"], cwd=tmp_path, stderr=stderr)
    try:
        wait_until(lambda: out.exists() and any(p.name.endswith(".tmp") for p in out.iterdir()), "a temporary file", 60)
        process.send_signal(signum)
        # The same signal twice before the handler runs is delivered once: wait for the first to land.
        wait_until(lambda: "received: finishing the current build" in log.read_text(), "the first signal")
        process.send_signal(signum)
        assert process.wait(timeout=DEADLINE) == 128 + signum
    finally:
        process.kill()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    for name in ("atom.xml", "rss.xml"):
        assert not (out / name).exists() or feedparser.parse(str(out / name)).bozo == 0


def test_a_build_killed_while_workers_parse_never_blocks_the_next_one(tmp_path: Path) -> None:
    many_seeds(tmp_path / "seeds", 3000)  # more than PARALLEL_FROM: parsed in worker processes
    write_config(tmp_path, limit=50)
    build = subprocess.Popen([*SEEDFEED, "build", "-q"], cwd=tmp_path)
    wait_until(lambda: len(descendants(build.pid)) >= 2, "the fork server and a parsing worker")
    workers = descendants(build.pid)
    build.kill()
    build.wait()
    following = subprocess.run([*SEEDFEED, "build", "-q", "--wait", "0"], cwd=tmp_path, capture_output=True, text=True)
    assert following.returncode == 0, following.stderr
    assert len(entries(tmp_path / "feeds")) == 50
    wait_until(lambda: not workers & descendants(1) - {os.getpid()}, "the orphaned workers to exit", 5)
