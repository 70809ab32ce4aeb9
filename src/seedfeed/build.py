"""The one orchestrator: read every seed, parse, date, link, render, publish.

Reads everything first, then writes (like Pelican): a bad seed is reported
with its path and skipped; it costs only itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .config import Config
from .decode import MAX_SEED_BYTES, decode
from .errors import ConfigError, SeedError
from .lock import DEFAULT_WAIT, build_lock
from .model import Article, Site
from .parse import parse_seed
from .slug import slugify
from .state import Seen, State

log = logging.getLogger(__name__)

SEED_GLOB = "*.txt"


@dataclass(frozen=True, slots=True)
class Loaded:
    """A parsed seed and the SHA-256 of its bytes."""

    article: Article
    sha256: str


@dataclass(frozen=True, slots=True)
class Report:
    """What one build did; ``cli`` turns it into a summary line and an exit code."""

    seeds: int
    articles: int
    entries: int
    new: int
    changed: int
    removed: int
    rejected: tuple[SeedError, ...]
    written: tuple[str, ...]
    unchanged: tuple[str, ...]


def build(config: Config, *, now: datetime | None = None, wait: float = DEFAULT_WAIT) -> Report:
    """Publish the feeds of ``config.seeds`` into ``config.out``.

    ``now`` is the time recorded for seeds seen or changed in this build.
    Only one build at a time works on one output directory: a second one
    waits up to ``wait`` seconds for the lock, then raises :class:`BusyError`.
    Raises :class:`ConfigError` when there is no seed to read, and
    :class:`PublishError` when the feeds cannot be written (the previous
    ones then stay in place).
    """
    with build_lock(config.out, wait):
        return _build(config, (now or datetime.now(UTC)).replace(microsecond=0))


def _build(config: Config, now: datetime) -> Report:
    from .publish import publish
    from .render import render_feeds  # feedgen is imported only by a build that renders

    paths = seed_paths(config.seeds)
    loaded, rejected = load_seeds(paths, config.site)
    log.debug("read %d seeds from %s: %d parsed, %d rejected", len(paths), config.seeds, len(loaded), len(rejected))
    with State(config.state) as state:
        previous = state.load()
        log.debug("state %s: %d seeds known", config.state, len(previous))
        articles, records = assign_dates(loaded, previous, now)
        removed = sorted(set(previous) - {slugify(p.stem) for p in paths})
        # The state is committed before publishing: what it records (first
        # sightings, edit times) then stays the same if publishing fails and
        # the next build renders the same feeds again.
        for slug, seen in records.items():
            state.record(slug, seen)
        state.forget(removed)
        state.commit()
    entries = select_entries(link_related(articles), config.site.limit)
    written: list[str] = []
    documents: dict[str, bytes] = {}
    if entries:
        documents = render_feeds(entries, config.site)
        written = publish(config.out, documents, _verify)
        log.debug("%d entries rendered; rewritten: %s", len(entries), ", ".join(written) or "none")
    else:
        log.error("no seed could be published; the feeds were left as they were")
    if config.site.hub:
        _announce(config, written)
    return Report(
        seeds=len(paths),
        articles=len(articles),
        entries=len(entries),
        new=sum(1 for slug in records if slug not in previous),
        changed=sum(1 for slug, seen in records.items() if slug in previous and previous[slug].sha256 != seen.sha256),
        removed=len(removed),
        rejected=tuple(rejected),
        written=tuple(written),
        unchanged=tuple(sorted(set(documents) - set(written))),
    )


def _announce(config: Config, written: Sequence[str]) -> None:
    """Ping the WebSub hub for every rewritten feed and every ping that failed before."""
    from .websub import ping

    assert config.site.hub
    with State(config.state) as state:
        urls = sorted(state.pending_pings() | {f"{config.site.feeds_url}{name}" for name in written})
        if urls:
            state.set_pending_pings(ping(config.site.hub, urls))
            state.commit()


def _verify(name: str, data: bytes) -> None:
    from .verify import verify_feed

    verify_feed(data, "atom" if name.endswith("atom.xml") else "rss")


def seed_paths(seeds: Path) -> list[Path]:
    """The seed files of a directory, sorted; hidden files are skipped."""
    if not seeds.is_dir():
        raise ConfigError(f"{seeds}: seeds directory does not exist (use --seeds DIR or [paths] seeds)")
    paths = sorted(p for p in seeds.glob(SEED_GLOB) if not p.name.startswith(".") and p.is_file())
    if not paths:
        raise ConfigError(f"{seeds}: no seed files ({SEED_GLOB}); nothing was published")
    return paths


def load_seeds(paths: Sequence[Path], site: Site) -> tuple[list[Loaded], list[SeedError]]:
    """Read, decode and parse every seed; a bad one is logged and returned, not raised."""
    loaded: list[Loaded] = []
    rejected: list[SeedError] = []
    slugs: dict[str, Path] = {}
    for path in paths:
        try:
            item = load_seed(path, site)
            if item.article.slug in slugs:
                raise SeedError(path, f"slug {item.article.slug!r} is already used by {slugs[item.article.slug]}")
        except SeedError as error:
            log.error("%s", error)
            rejected.append(error)
            continue
        slugs[item.article.slug] = path
        loaded.append(item)
    return loaded, rejected


def load_seed(path: Path, site: Site) -> Loaded:
    """Read one seed file and parse it; raises :class:`SeedError`."""
    try:
        size = path.stat().st_size
        if size > MAX_SEED_BYTES:
            raise SeedError(path, f"too large: {size} bytes (the limit is 1 MiB)")
        data = path.read_bytes()
    except OSError as exc:
        raise SeedError(path, f"cannot read: {exc.strerror}") from None
    decoded = decode(data, str(path))
    if decoded.legacy_encoding:
        log.warning("%s: not UTF-8; decoded as %s", path, decoded.legacy_encoding)
    if decoded.removed_controls:
        log.warning("%s: removed %d control characters that XML forbids", path, decoded.removed_controls)
    article = parse_seed(decoded.text, name=path.name, site=site, path=str(path))
    return Loaded(article, hashlib.sha256(data).hexdigest())


def assign_dates(
    loaded: Sequence[Loaded], previous: dict[str, Seen], now: datetime
) -> tuple[list[Article], dict[str, Seen]]:
    """Fill ``published`` and ``updated`` from the seeds and the state (pure).

    ``published``: the seed's own date, else when the seed was first seen.
    ``updated``: ``published`` until the seed's bytes change, then the build
    time, moved on by whole seconds where another entry already has that
    instant (two entries must not share ``updated``).
    """
    records: dict[str, Seen] = {}
    articles: dict[str, Article] = {}
    edited: list[Loaded] = []
    for item in sorted(loaded, key=lambda i: i.article.slug):
        slug = item.article.slug
        before = previous.get(slug)
        first_seen = before.first_seen if before else now
        published = item.article.published or first_seen
        if before is not None and before.sha256 != item.sha256:
            edited.append(item)
            continue
        updated = max(before.updated, published) if before else published
        records[slug] = Seen(item.sha256, first_seen, updated)
        articles[slug] = replace(item.article, published=published, updated=updated)
    taken = {a.updated for a in articles.values()}
    for item in edited:
        slug = item.article.slug
        first_seen = previous[slug].first_seen
        published = item.article.published or first_seen
        updated = max(now, published)
        while updated in taken:
            updated += timedelta(seconds=1)
        taken.add(updated)
        records[slug] = Seen(item.sha256, first_seen, updated)
        articles[slug] = replace(item.article, published=published, updated=updated)
    return [articles[slug] for slug in sorted(articles)], records


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def link_related(articles: Sequence[Article]) -> list[Article]:
    """Point each related story at the corpus article with the same title, if any (pure).

    Titles are compared case- and whitespace-insensitively; when several
    articles share a title, the first by slug wins.
    """
    by_title: dict[str, str] = {}
    for article in sorted(articles, key=lambda a: a.slug):
        by_title.setdefault(_title_key(article.title), article.link)
    return [
        replace(a, related=tuple(replace(s, url=by_title.get(_title_key(s.title), s.url)) for s in a.related))
        if a.related
        else a
        for a in articles
    ]


def select_entries(articles: Sequence[Article], limit: int) -> list[Article]:
    """The newest ``limit`` articles, newest first by ``published``, slug breaking ties (pure)."""
    ordered = sorted(articles, key=lambda a: a.slug)
    ordered.sort(key=lambda a: a.published or datetime.min.replace(tzinfo=UTC), reverse=True)
    return ordered[:limit]
