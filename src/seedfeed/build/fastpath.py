"""The no-change fast path, and what the output lacks.

A build whose seeds and settings are those of the last complete build, and
whose output is all there, does nothing: it costs one scan of the seeds
directory and one ``stat`` of each published file, and imports neither
feedgen nor feedparser. A published file that is missing or changed (by
size or mtime) makes the build publish it again, and only it. The two
sweeps run side by side on two cores: the published files are looked at in
a forked child process while the build scans the seeds (:func:`sweep`).
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Collection, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path

from .. import __version__
from ..config import Config
from ..feeds import FEED_FILES
from ..feeds.names import archive_number, article_of, is_asset, topic_of
from ..ingest.seeds import Scan, scan_changes, scan_seeds
from ..model import Site
from ..plan.plan import Unit
from ..store.state import Ledger, State
from .workers import Forked

#: The published files found missing or changed, computed beside the build (:func:`sweep`).
Sweep = Forked[list[str]]

#: Bump when parsing changes what an article holds: cached articles are then parsed again.
CACHE_VERSION = 3  # 3: the lead image became a measured Image


def fingerprints(site: Site) -> tuple[str, str]:
    """(what the cached articles depend on besides the seed bytes, what the documents depend on).

    Parsing and recording read only the ids' prefix, the base URL, the time
    zone, the fallback language, the limits and what decides the entries'
    links (``feeds_url``, ``article_url``): a new site title, ``limit`` or
    hub renders every document again but parses no seed.

    The second ends with what the entries carry (``/full/summary``: the
    subscription feeds', then the topic feeds'), so that a new ``[feeds]``
    choice renders only the feeds it changes (:func:`content_switch`).
    """
    parsing = (
        site.id_prefix,
        site.base_url,
        site.timezone,
        site.language,
        site.limits,
        site.feeds_url,
        site.article_url,
    )
    code = f"{__version__}/{CACHE_VERSION}"
    style = replace(site, content="full", topic_content=None)
    carried = f"{site.content}/{site.topic_content or site.content}"
    return (
        hashlib.sha256(f"{code}/{parsing!r}".encode()).hexdigest(),
        f"{hashlib.sha256(f'{code}/{style!r}'.encode()).hexdigest()}/{carried}",
    )


def content_switch(before: str | None, after: str | None) -> tuple[bool, bool] | None:
    """Whether the subscription feeds' and the topic feeds' entries now carry something else, when that is all
    that differs between two rendering fingerprints; ``None`` when more differs, or nothing is known.

    >>> content_switch("h/full/full", "h/summary/full"), content_switch("h/full/full", "g/full/summary")
    ((True, False), None)
    """
    if before is None or after is None or before.count("/") != 2:  # a ledger written before the choice existed
        return None
    style, main, topics = before.split("/")
    now_style, now_main, now_topics = after.split("/")
    return (main != now_main, topics != now_topics) if style == now_style else None


def list_seeds(config: Config, changed: Collection[str] | None, settings: str) -> Scan:
    """This build's listing of the seeds: a full scan, or the last build's listing updated for ``changed``.

    A full scan all the same when there is no last build to start from, or
    its settings differ (every seed is then read again).
    """
    if changed is None or not config.state.is_file():
        return scan_seeds(config.seeds)
    with State(config.state) as state:
        known, _ = state.known_files()
        same = state.ledger().settings == settings
    if not known or not same:
        return scan_seeds(config.seeds)
    return scan_changes(config.seeds, known, changed)


def scan_digest(scan: dict[str, tuple[int, int]], fingerprint: str) -> str:
    """One hash of every seed's name, size and mtime, and the settings: equal means nothing to do."""
    # In directory order, unsorted: a directory listed in another order only costs the slow
    # path, never a wrong answer. marshal's version 2 writes no back-references, so equal
    # listings give equal bytes; it is five times cheaper than repr (0.03 s at 100,000 seeds).
    return hashlib.sha256(fingerprint.encode() + marshal.dumps(scan, 2)).hexdigest()


def unchanged(config: Config, digest: str, lost: Sweep) -> Ledger | None:
    """The last build's ledger when this build has nothing to do: same digest, nothing owed, output whole.

    Whole: the output directory is the one the last build published into,
    and every file it published is there as it left it (``lost``, one
    ``stat`` each).
    """
    with State(config.state) as state:
        ledger = state.ledger()
        if ledger.scan != digest or ledger.owed is not None or ledger.out != output(config):
            return None
    if lacks_main(config.out) or lost.result():
        return None
    return ledger


def sweep(config: Config) -> Sweep:
    """The published files of the state that are missing from the output or changed there (:func:`stale`):
    looked for in a child process from now on, while this one scans the seeds.

    Each sweep is mostly system calls (at 100,000 articles, 112,000 ``stat``
    calls, 0.3 s): side by side they take the time of one. What the child
    reads is what the state held when the build began: the published files
    change only when this build publishes, after it has asked.
    """
    return Forked(partial(_stale_files, config.state, config.out))


def _stale_files(path: Path, out: Path) -> list[str]:
    """:func:`stale` over every file the state at ``path`` says was published (none without a state)."""
    if not path.is_file():
        return []
    with State(path, readonly=True) as state:
        return stale(out, state.each_published())


def output(config: Config) -> str:
    """The output directory as the state records it: absolute, symlinks resolved."""
    return str(config.out.resolve())


def lacks_main(out: Path) -> bool:
    """True when a file every complete build publishes (a subscription feed, its view, the index) is missing."""
    return not all((out / name).is_file() for name in FEED_FILES)


def stale(out: Path, published: Iterable[tuple[str, int, int]]) -> list[str]:
    """The published files (name, size, mtime_ns) that are missing from ``out``, or whose size or mtime changed
    since they were published."""
    found = []
    root = str(out)
    for name, size, mtime in published:
        try:
            info = os.stat(f"{root}/{name}")  # noqa: PTH116 -- a str: a Path per file costs more than the stat
        except OSError:
            found.append(name)
            continue
        if info.st_size != size or info.st_mtime_ns != mtime:
            found.append(name)
    return found


def changed_images(config: Config) -> frozenset[str]:
    """The seeds whose local image is not as the last build read it (by size and mtime): one ``stat`` each.

    The seed's own bytes may be the same: this is how an edited image
    reaches the build, which reads those seeds again.
    """
    if not config.state.is_file():
        return frozenset()
    with State(config.state) as state:
        images = state.images()
    changed = set()
    root = str(config.seeds)
    for name, (path, _, size, mtime) in images.items():
        try:
            info = os.stat(f"{root}/{path}")  # noqa: PTH116 -- as in stale(): a str per file is cheaper
        except OSError:
            changed.add(name)
            continue
        if (info.st_size, info.st_mtime_ns) != (size, mtime):
            changed.add(name)
    return frozenset(changed)


def asset_users(state: State, names: Iterable[str]) -> set[Unit]:
    """The article units whose local image is one of the assets among ``names`` (publishing them publishes it)."""
    lost = {name for name in names if is_asset(name)}
    if not lost:
        return set()
    seeds = [seed for seed, (_, file, _, _) in state.images().items() if file in lost]
    return {Unit.article(row.slug) for row in state.rows(seeds).values() if row.slug}


def owed_by(names: Iterable[str]) -> tuple[set[Unit], bool]:
    """The units whose documents are among ``names``, and whether a subscription or discovery file is
    (an asset is neither: :func:`asset_users`)."""
    units: set[Unit] = set()
    main = False
    for name in names:
        if is_asset(name):
            continue
        page, topic, slug = archive_number(name), topic_of(name), article_of(name)
        if slug is not None:
            units.add(Unit.article(slug))
        elif page is not None:
            units.add(Unit.page(page))
        elif topic is not None:
            units.add(Unit.topic(*topic))
        else:
            main = True
    return units, main
