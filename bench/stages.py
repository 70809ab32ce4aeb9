"""CPU time of each stage of one ``seedfeed build``, per seed: ``python bench/stages.py SEEDS OUT``.

Runs the build in this process with one worker (parsing and archive pages
in-process, so every stage is counted here), and charges ``time.process_time``
to the innermost stage running: each figure excludes the stages nested in it.
"other" is the rest (the state, listing, staging and renaming files, imports).
No profiler: cProfile's per-call cost would inflate the pure-Python stages
several times over. The kernel column is the system time (``os.times``, in
clock ticks: a stage of many short calls gets a sampled share of it).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: (module, attribute, stage); a method as "Class.method". Looked up where the build calls it.
STAGES = (
    ("seedfeed.build.workers", "load", "read + decode + parse a seed"),
    ("seedfeed.feeds.atomrss", "render_feeds", "feedgen: Atom + RSS documents"),
    ("seedfeed.feeds.verify", "verify_feed", "verify Atom/RSS whole (XML, RELAX NG, rules)"),
    ("seedfeed.feeds.verify", "verify_assembled", "verify assembled Atom/RSS"),
    ("seedfeed.feeds.entry", "Documents.render", "fragments: keys, store, cut, assemble"),
    ("seedfeed.feeds.jsonfeed", "render_json_feed", "JSON Feed documents"),
    ("seedfeed.feeds.jsonfeed", "verify_json_feed", "verify JSON Feed"),
    ("seedfeed.feeds.html", "render_view", "browser views"),
    ("seedfeed.feeds.html", "view_entries", "browser views"),
    ("seedfeed.feeds.article", "render_article", "article pages"),
    ("seedfeed.feeds.article", "verify_article_page", "verify article pages"),
    ("seedfeed.build.render", "verify_document", "verify views, index (rest of staging checks)"),
    ("seedfeed.build.documents", "verify_document", "verify views, index (rest of staging checks)"),
    ("seedfeed.build.render", "Links.resolve", "read articles from the state, resolve links"),
    ("seedfeed.store.publish", "_stage", "stage files (mkstemp, write)"),
    ("seedfeed.build.changes", "record", "record: state rows, dates, pages"),
)

spent: dict[str, float] = defaultdict(float)
kernel: dict[str, float] = defaultdict(float)  # the part of ``spent`` in system calls
calls: dict[str, int] = defaultdict(int)
stack: list[list[Any]] = []


def timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, charging its CPU time to ``stage`` less what nested stages take."""

    def run(*args: Any, **kwargs: Any) -> Any:
        now, system = time.process_time(), os.times().system
        if stack:
            spent[stack[-1][0]] += now - stack[-1][1]
            kernel[stack[-1][0]] += system - stack[-1][2]
        stack.append([stage, now, system])
        calls[stage] += 1
        try:
            return function(*args, **kwargs)
        finally:
            now, system = time.process_time(), os.times().system
            _, start, start_system = stack.pop()
            spent[stage] += now - start
            kernel[stage] += system - start_system
            if stack:
                stack[-1][1:] = [now, system]

    return run


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/stages.py SEEDS OUT")
    import seedfeed.build.documents as documents
    import seedfeed.build.workers as workers

    workers.workers = documents.workers = lambda: 1  # every stage in this process
    for module_name, attribute, stage in STAGES:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, name, timed(stage, getattr(owner, name)))
    from seedfeed.cli import main as cli

    seeds = Path(sys.argv[1])
    n = sum(1 for _ in seeds.glob("*.txt"))
    start, start_system = time.process_time(), os.times().system
    with contextlib.suppress(SystemExit):
        cli(["build", "-q", "--seeds", str(seeds), "--out", sys.argv[2]])
    total, total_system = time.process_time() - start, os.times().system - start_system
    print(f"{n} seeds, {total:.2f} s CPU in all ({total_system:.2f} s in the kernel), {total / n * 1000:.3f} ms a seed")
    print(f"{'stage':<50} {'calls':>7} {'CPU s':>7} {'kernel':>7} {'ms/seed':>8}")
    for stage, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"{stage:<50} {calls[stage]:>7} {seconds:>7.2f} {kernel[stage]:>7.2f} {seconds / n * 1000:>8.3f}")
    other, other_system = total - sum(spent.values()), total_system - sum(kernel.values())
    print(f"{'other':<50} {'':>7} {other:>7.2f} {other_system:>7.2f} {other / n * 1000:>8.3f}")


if __name__ == "__main__":
    main()
