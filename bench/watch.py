"""Time ``seedfeed schedule --watch``: from a seed file closed to ``atom.xml`` holding it.

    python bench/watch.py --n 100000 [--drops 20] [--idle 60] [--changes 2000]

On a synthetic corpus of ``--n`` seeds (built cold first, not timed here):

* latency: ``--drops`` new seed files, one at a time; each is timed from the
  moment its ``close()`` returned to the moment ``atom.xml`` (polled every
  2 ms) holds it: median and worst;
* idle: the watcher's CPU time (user + system, ``/proc/PID/stat``) over
  ``--idle`` seconds with nothing changing;
* memory: the watcher's RSS after the first 100 single-file changes and after
  ``--changes`` of them (each a new seed, waited for like the drops);
* burst: ``--burst`` new seeds copied in with one ``cp``: how many builds, and
  the seconds until ``atom.xml`` holds the last of them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import write_corpus

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wait_for(path: Path, needle: bytes, timeout: float = 30.0) -> float:
    """Seconds until ``path`` contains ``needle`` (polled every 2 ms)."""
    start = time.perf_counter()
    last = None
    while True:
        try:
            stamp = path.stat().st_mtime_ns
            if stamp != last:
                last = stamp
                if needle in path.read_bytes():
                    return time.perf_counter() - start
        except FileNotFoundError:
            pass
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"timed out waiting for {needle!r} in {path}")
        time.sleep(0.002)


def wait_for_new(log: Path, skip: int, count: int, timeout: float = 120.0) -> float:
    """Seconds until the builds after the first ``skip`` have published ``count`` new seeds (their log lines)."""
    start = time.perf_counter()
    while True:
        lines = [line for line in log.read_text().splitlines() if "file(s) changed;" in line][skip:]
        if sum(int(line.split("changed; ")[1].split(" new")[0]) for line in lines) >= count:
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"timed out waiting for {count} new seeds")
        time.sleep(0.01)


def drop(seeds: Path, n: int) -> tuple[Path, bytes]:
    title = f"Nujna novica {n:05d}"
    path = seeds / f"2026-11-26-nujna-{n:05d}.txt"
    with path.open("w", encoding="utf-8") as file:
        file.write(f"{title}\nPrvi odstavek nujne novice {n}.\nDrugi odstavek.\n")
    return path, title.encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="corpus size")
    parser.add_argument("--drops", type=int, default=20, help="new seeds timed one by one")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle watching to measure CPU over")
    parser.add_argument("--changes", type=int, default=2000, help="single-file changes before the second RSS")
    parser.add_argument("--burst", type=int, default=500, help="seeds copied in at once (0: none)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="seedfeed-watch-"))
    try:
        seeds, out = work / "seeds", work / "feeds"
        write_corpus(args.n, seeds)
        base = [sys.executable, "-m", "seedfeed"]
        started = time.perf_counter()
        subprocess.run([*base, "build", "-q", "--seeds", str(seeds), "--out", str(out)], check=True)
        print(f"corpus: {args.n} seeds, cold build {time.perf_counter() - started:.1f} s (not part of the figures)")
        log = (work / "watch.log").open("w")
        watcher = subprocess.Popen(
            [*base, "schedule", "--watch", "--seeds", str(seeds), "--out", str(out)],
            cwd=work,
            stdout=log,
            stderr=log,
        )
        while "watch: full scan" not in (work / "watch.log").read_text():
            time.sleep(0.05)
        atom = out / "atom.xml"
        latencies = []
        for n in range(args.drops):
            _, needle = drop(seeds, n)
            latencies.append(wait_for(atom, needle))
            time.sleep(0.2)
        print(
            f"latency, seed closed → atom.xml holds it ({args.drops} drops): "
            f"median {statistics.median(latencies):.3f} s, worst {max(latencies):.3f} s, "
            f"best {min(latencies):.3f} s"
        )
        time.sleep(2)
        before = cpu_seconds(watcher.pid)
        time.sleep(args.idle)
        print(f"idle: {cpu_seconds(watcher.pid) - before:.3f} s of CPU over {args.idle:g} s with nothing changing")
        if args.burst:
            staging = work / "staging"
            staging.mkdir()
            for n in range(args.burst):
                (staging / f"2026-11-27-val-{n:05d}.txt").write_text(f"Val {n:05d}\nBesedilo.\n", encoding="utf-8")
            before = (work / "watch.log").read_text().count("file(s) changed;")
            started = time.perf_counter()
            subprocess.run(["cp", *sorted(map(str, staging.iterdir())), str(seeds)], check=True)
            seconds = wait_for_new(work / "watch.log", before, args.burst)
            time.sleep(1)
            builds = (work / "watch.log").read_text().count("file(s) changed;") - before
            print(
                f"burst: {args.burst} seeds copied at once: {builds} build(s), the last published {seconds:.2f} s after"
            )
        if args.changes:
            first = None
            for n in range(args.drops, args.drops + args.changes):
                _, needle = drop(seeds, n)
                wait_for(atom, needle)
                if n - args.drops + 1 == 100:
                    first = rss_mb(watcher.pid)
            last = rss_mb(watcher.pid)
            assert first is not None
            print(
                f"memory: RSS {first:.1f} MB after 100 changes, {last:.1f} MB after {args.changes} "
                f"({(last / first - 1) * 100:+.1f} %)"
            )
        watcher.terminate()
        watcher.wait(timeout=60)
        log.close()
        builds = (work / "watch.log").read_text().count("file(s) changed;")
        print(f"builds: {builds} in all, for {args.drops + args.burst + args.changes} new seeds")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
