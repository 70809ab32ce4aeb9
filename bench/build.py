"""Time ``seedfeed build`` against references on the same synthetic corpus, in one run.

    python bench/build.py --n 1000 10000 100000 [--runs 3]

Every figure is the median of ``--runs`` runs of a whole process: wall
seconds, and peak RSS of that process (``wait4``). seedfeed scenarios: cold
build (no state, no output), no-change rebuild, one seed added, one seed
edited, 100 seeds added, one seed deleted. References: (a) the floor, reading and decoding
every seed; (b) naive feedgen, every seed parsed minimally and every entry
written into one Atom and one RSS feed, no state, no checks; and, when
Debian's ``hugo`` is installed, (c) Hugo building only an RSS feed of the same
corpus converted to Markdown, with every entry and with the newest 50. Ratios are to (b).
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
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import write_corpus

FLOOR = """
import sys, pathlib
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.txt')):
    p.read_bytes().decode('utf-8')
"""
NAIVE = """
import sys, pathlib, datetime
from feedgen.feed import FeedGenerator
fg = FeedGenerator(); fg.id('x'); fg.title('t'); fg.link(href='https://example.org/'); fg.description('d')
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.txt')):
    lines = [l for l in p.read_text('utf-8').splitlines() if l.strip()]
    fe = fg.add_entry(); fe.id(p.stem); fe.title(lines[0]); fe.link(href='https://example.org/' + p.stem)
    fe.content(''.join('<p>%s</p>' % l for l in lines[1:]), type='html')
    fe.published(datetime.datetime.fromisoformat(p.name[:10]).replace(tzinfo=datetime.timezone.utc))
out = pathlib.Path(sys.argv[2]); out.mkdir(exist_ok=True)
fg.atom_file(str(out / 'atom.xml')); fg.rss_file(str(out / 'rss.xml'))
"""


def run(command: list[str], prepare: Callable[[], None] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    if prepare:
        prepare()
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed with exit code {child.returncode}")
    return wall, usage.ru_maxrss / 1024


def median(command: list[str], runs: int, prepare: Callable[[], None] | None = None) -> tuple[float, float]:
    results = [run(command, prepare) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def bench(n: int, runs: int, work: Path) -> list[tuple[str, float, float]]:
    seeds = work / f"seeds-{n}"
    write_corpus(n, seeds)
    out, state = work / f"feeds-{n}", seeds.parent / ".seedfeed"
    seedfeed = [sys.executable, "-m", "seedfeed", "build", "-q", "--seeds", str(seeds), "--out", str(out)]

    trash = iter(range(10**6))

    def clean() -> None:
        # Moved aside, not deleted: on ext4, creating files within seconds of deleting many costs
        # several times more (the kernel skips recently freed inodes one by one; measured: 50 µs
        # against 350 µs a file right after deleting 20,000), and a cold build creates one file
        # per article. The temporary directory goes at the end of the run.
        for path in (out, state):
            if path.exists():
                path.rename(work / f"trash-{n}-{next(trash)}")

    victim = sorted(seeds.glob("*.txt"))[n // 2]
    original = victim.read_text(encoding="utf-8")
    counter = iter(range(10**6))

    def edit() -> None:
        victim.write_text(original.replace("\n", f" uredil {next(counter)}\n", 1), encoding="utf-8")

    added = iter(range(10**6))
    one = iter(range(10**6))

    def add_one() -> None:
        (seeds / f"2026-11-27-nov-{next(one):07d}.txt").write_text(original, encoding="utf-8")

    def add() -> None:
        base = next(added) * 100
        for index in range(100):
            (seeds / f"2026-11-26-dodan-{base + index:07d}.txt").write_text(original, encoding="utf-8")

    doomed = iter(sorted(seeds.glob("*.txt"))[1 : 1 + runs * 2])

    def delete() -> None:
        next(doomed).unlink()

    rows = [
        ("floor: read + decode every seed", *median([sys.executable, "-c", FLOOR, str(seeds)], runs)),
        ("naive feedgen, all entries", *median([sys.executable, "-c", NAIVE, str(seeds), str(work / "naive")], runs)),
    ]
    hugo = shutil.which("hugo")
    if hugo:
        site = hugo_site(seeds, work / f"hugo-{n}")
        rows.append(("hugo, RSS only, all entries", *median([hugo, "--quiet", "-s", str(site)], runs)))
        limited = hugo_site(seeds, work / f"hugo-{n}-50", limit=50)
        rows.append(("hugo, RSS only, newest 50", *median([hugo, "--quiet", "-s", str(limited)], runs)))
    rows += [
        ("seedfeed: cold build", *median(seedfeed, runs, clean)),
        ("seedfeed: no-change rebuild", *median(seedfeed, runs)),
        ("seedfeed: one seed added", *median(seedfeed, runs, add_one)),
        ("seedfeed: one seed edited", *median(seedfeed, runs, edit)),
        ("seedfeed: 100 seeds added", *median(seedfeed, runs, add)),
        ("seedfeed: one seed deleted", *median(seedfeed, runs, delete)),
    ]
    victim.write_text(original, encoding="utf-8")
    return rows


HUGO_CONFIG = """
baseURL = "https://example.org/"
title = "bench"
disableKinds = ["taxonomy", "term", "section", "sitemap", "robotsTXT", "404", "page"]
[outputs]
home = ["RSS"]
[services.rss]
limit = {limit}
"""


def hugo_site(seeds: Path, site: Path, limit: int = -1) -> Path:
    """The corpus as a Hugo site: one Markdown page per seed (title, date, paragraphs); ``limit`` RSS items."""
    content = site / "content" / "posts"
    content.mkdir(parents=True, exist_ok=True)
    (site / "config.toml").write_text(HUGO_CONFIG.replace("{limit}", str(limit)))
    for path in seeds.glob("*.txt"):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        title = lines[0].replace('"', "'")
        front = f'---\ntitle: "{title}"\ndate: {path.name[:10]}\n---\n'
        (content / f"{path.stem}.md").write_text(front + "\n\n".join(lines[1:]) + "\n", encoding="utf-8")
    return site


def compile_package() -> None:
    """Write seedfeed's bytecode, as ``pip install`` does: cron runs an installed seedfeed.

    An editable install under ``PYTHONDONTWRITEBYTECODE=1`` otherwise compiles every
    module in every run: about 0.15 s of CPU a process on the 2-core machine, which
    would be counted in each figure as if it were the build's.
    """
    import compileall

    import seedfeed

    compileall.compile_dir(Path(seedfeed.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000], help="corpus sizes")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is printed)")
    args = parser.parse_args()
    compile_package()
    print(f"{'seeds':>7}  {'scenario':<34} {'wall s':>8} {'peak MB':>8} {'÷ naive':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            rows = bench(n, args.runs, Path(tmp))
            naive = rows[1][1]
            for name, wall, peak in rows:
                print(f"{n:>7}  {name:<34} {wall:>8.3f} {peak:>8.0f} {wall / naive:>8.2f}")


if __name__ == "__main__":
    main()
