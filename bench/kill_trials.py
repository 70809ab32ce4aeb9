"""Kill builds with ``kill -9`` at random moments and check that nothing is ever broken or blocked.

    python bench/kill_trials.py --n 5000 --trials 20

Each trial starts a build of an N-seed synthetic corpus (cold every other
trial: no state, with the feeds of the trial before; else after editing 50
seeds), kills it with SIGKILL after a random delay within the build's own
duration, then runs ``seedfeed build --wait 0`` at once. A trial passes when
that build exits 0 without waiting for a lock, no process of the killed
build is alive 2 s later, every published feed reads with feedparser
``bozo == 0``, and no temporary file is left in the output.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).parent))
from corpus import write_corpus

SEEDFEED = [sys.executable, "-m", "seedfeed"]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def trial(root: Path, cold: bool, delay: float, rng: random.Random) -> list[str]:
    """One kill; the problems it left (none is a pass)."""
    if cold:
        shutil.rmtree(root / ".seedfeed", ignore_errors=True)
    else:
        for path in rng.sample(sorted((root / "seeds").glob("*.txt")), 50):
            path.write_text(path.read_text(encoding="utf-8") + "\nPopravek.\n", encoding="utf-8")
    build = subprocess.Popen([*SEEDFEED, "build", "-q"], cwd=root, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + delay
    seen: set[int] = set()
    while time.monotonic() < deadline and build.poll() is None:
        seen |= descendants(build.pid)
        time.sleep(0.01)
    seen |= descendants(build.pid)
    build.kill()
    build.wait()
    problems = []
    following = subprocess.run([*SEEDFEED, "build", "-q", "--wait", "0"], cwd=root, capture_output=True, text=True)
    if following.returncode != 0:
        problems.append(f"next build exited {following.returncode}: {following.stderr.strip()}")
    time.sleep(2)
    if left := alive(seen):
        problems.append(f"{len(left)} processes of the killed build still alive")
    for feed in sorted((root / "feeds").rglob("*.xml")):
        if feedparser.parse(str(feed)).bozo:
            problems.append(f"{feed.relative_to(root)} is broken")
    if temps := list((root / "feeds").rglob(".*.tmp")):
        problems.append(f"{len(temps)} temporary files left")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="corpus size")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1, help="random seed for the kill moments")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="seedfeed-kill-") as tmp:
        root = Path(tmp)
        write_corpus(args.n, root / "seeds")
        start = time.monotonic()
        subprocess.run([*SEEDFEED, "build", "-q"], cwd=root, check=True)
        cold = time.monotonic() - start
        print(f"{args.n} seeds; a cold build takes {cold:.1f} s; {args.trials} trials", flush=True)
        failed = 0
        for number in range(1, args.trials + 1):
            is_cold = number % 2 == 1
            delay = rng.uniform(0.1, cold if is_cold else cold / 3)
            problems = trial(root, is_cold, delay, rng)
            failed += bool(problems)
            kind = "cold" if is_cold else "edit"
            print(f"trial {number:2d} ({kind}, killed at {delay:.2f} s): {'; '.join(problems) or 'ok'}", flush=True)
        print(f"{args.trials - failed} of {args.trials} trials passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
