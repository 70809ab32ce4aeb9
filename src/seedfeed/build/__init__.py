"""The one orchestrator: scan the seeds, parse what changed, render and publish what it affects.

Cost follows change. A seed file whose size and mtime are unchanged is not
read; one whose bytes are unchanged is not parsed again (the state database
keeps its article); when no article changed, nothing is rendered or written,
and feedgen and feedparser are not even imported. A bad seed is reported
with its path and reason at every build until it is fixed; it costs only
itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence, Set
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from .. import __version__
from ..plan.archive import archive_page, assign_pages
from ..codec import article_from_json, article_to_json
from ..config import Config
from ..plan.dates import Before, Change, UniqueTimes, entry_dates
from ..ingest.decode import decode
from ..errors import PublishError, SeedError, SeedfeedError, StateError
from ..feeds import FORMATS, PAGED, format_of
from ..feeds.html import view_name
from ..ingest.limits import within_limits
from ..store.lock import DEFAULT_WAIT, build_lock
from ..model import Article, RelatedStory, Site
from ..ingest.parse import parse_seed
from ..plan.plan import Unit, plan
from ..progress import bar
from ..ingest.slug import slugify
from ..store.state import Ledger, Row, State, is_corrupt, move_aside, reason, unreadable
from ..ingest.seeds import Scan, read_seed, scan_changes, scan_seeds

if TYPE_CHECKING:
    from ..store.record import Record

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_R = TypeVar("_R")

#: Bump when parsing changes what an article holds: cached articles are then parsed again.
CACHE_VERSION = 2


@dataclass(frozen=True, slots=True)
class Loaded:
    """A parsed seed and the SHA-256 of its bytes."""

    article: Article
    sha256: str


@dataclass(frozen=True, slots=True)
class Report:
    """What one build did; ``cli`` turns it into a summary line and an exit code.

    ``seeds`` counts every entry of the seeds directory named like a seed: the
    published ones and the rejected ones, whatever the reason.
    """

    seeds: int
    articles: int
    entries: int
    new: int
    changed: int
    removed: int
    rejected: tuple[SeedError, ...]
    written: tuple[str, ...]
    deleted: tuple[str, ...] = ()  # published files this build removed (a topic's last article went)


def build(
    config: Config,
    *,
    now: datetime | None = None,
    wait: float = DEFAULT_WAIT,
    progress: bool = False,
    changed: Collection[str] | None = None,
    announce: bool = True,
) -> Report:
    """Publish the feeds of ``config.seeds`` into ``config.out``.

    ``changed``, when given, names the only seed files that may have changed
    since the last build (``--watch`` is told by the operating system): they
    are looked at, and the rest of the directory is not listed again.
    ``announce=False`` leaves the WebSub pings to the caller (:func:`announce`),
    for a deploy that makes the change visible later.

    ``now`` is the time recorded for seeds seen or changed in this build;
    ``progress`` shows a bar on stderr for the slow steps (the CLI decides).
    Only one build at a time works on one output directory: a second one
    waits up to ``wait`` seconds for the lock, then raises :class:`BusyError`.
    Raises :class:`ConfigError` when there is no seed to read,
    :class:`PublishError` when the feeds cannot be written (the previous
    ones then stay in place), and :class:`StateError` when the state database
    cannot be written. A corrupt state database is moved aside with a warning
    and the build runs again from a new one: the published feeds keep every
    entry's dates and archive page (:mod:`seedfeed.store.record`).
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    with build_lock(config.out, wait):
        try:
            return _build(config, now, progress, changed, announce)
        except sqlite3.Error as exc:
            if not (is_corrupt(exc) or unreadable(config.state)):
                raise StateError(config.state, reason(exc)) from None
            _set_aside(config.state, exc, now)
        try:  # once more, from a new state database, a full listing and the published feeds
            return _build(config, now, progress, None, announce)
        except sqlite3.Error as exc:
            raise StateError(config.state, reason(exc)) from None


def _set_aside(path: Path, error: sqlite3.Error, now: datetime) -> None:
    """Move a corrupt state database aside (kept for inspection), with one warning."""
    try:
        aside = move_aside(path, now.strftime("%Y%m%dT%H%M%SZ"))
    except OSError as exc:
        raise StateError(path, f"corrupt ({error}) and cannot be moved aside: {exc.strerror}") from None
    log.warning("%s: %s; moved aside to %s and rebuilt from the seeds and the published feeds", path, error, aside.name)


@dataclass
class _Changes:
    new: int = 0
    changed: int = 0
    removed: int = 0


def _build(
    config: Config, now: datetime, progress: bool, changed: Collection[str] | None, pings: bool = True
) -> Report:
    """The stages of a build: list, plan, read, archive, commit, publish, record."""
    now = now.astimezone(ZoneInfo(config.site.timezone))  # every date the build writes is in the site's zone
    settings, rendering = _fingerprints(config.site)
    listing = _list(config, changed, settings)
    targeted = listing.changed is not None
    for error in listing.rejected:
        log.error("%s", error)
    # A build told what changed skips the scan digest (its listing is in another order than a
    # scan's, so it could not match one) and records none: the next full scan takes the slow path.
    digest = None if targeted else _scan_digest(listing.files, rendering)
    quiet = None if digest is None else _unchanged(config, listing.files, digest)
    if quiet is not None and not listing.rejected:
        if config.site.hub and pings:
            _announce(config, [])  # pings that failed before are retried after every build
        return quiet
    counts = _Changes()
    with State(config.state) as state:
        record = _recover(config, state) if state.is_new() else None
        ledger = state.ledger()
        known, bad = state.known_files()
        if listing.changed is None:
            work = plan(listing.files, known, bad, ledger.settings == settings)
        else:  # only the changed names can differ: compare those, not 100,000 entries
            names = listing.changed
            mine = {n: listing.files[n] for n in names if n in listing.files}
            work = plan(mine, {n: known[n] for n in names if n in known}, bad & names, True)
        restyle = ledger.rendered != rendering  # e.g. a new site title: every document, no seed parsed
        log.debug(
            "%d seeds in %s, %d to read, %d gone", len(listing.files), config.seeds, len(work.read), len(work.drop)
        )
        affected = _forget(state, work.drop, counts)
        rejected = [*listing.rejected]
        rejected += _refresh(
            config, state, list(work.read), listing.files, not work.everything, now, counts, affected, progress, record
        )
        state.set_known_files(listing.files, listing.changed)  # every listed file now has its row
        dirty = bool(counts.new or counts.changed or counts.removed or work.everything or restyle)
        if dirty:
            affected |= {Unit.page(k) for k in archive_overflow(state, config.site.limit, config.site.page_size)}
            if work.everything or restyle:
                affected |= {Unit.page(k) for k in state.pages()}
                affected |= {Unit.topic(kind, key) for kind, key in state.topic_counts()}
        pages = state.pages()
        # Until the feeds are published, the ledger says which documents are owed: a build
        # killed after this commit leaves that work to the next. The state is committed before
        # publishing: what it records (first sightings, edit times, archive pages) then stays
        # the same if publishing fails, and the next build renders the same feeds again.
        owed = (ledger.owed or frozenset()) | affected if dirty else ledger.owed
        state.set_ledger(Ledger(settings, None, owed, state.count(), len(pages), rendering))
        state.commit()
        on_disk = {f"archive/{name}" for name in _listing(config.out / "archive")}  # one listing, not a stat a page
        missing = {Unit.page(k) for k in pages if not {fmt.document(Unit.page(k).name) for fmt in PAGED} <= on_disk}
        main_missing = not all((config.out / name).is_file() for name in FEED_FILES)
        written: list[str] = []
        deleted: list[str] = []
        if dirty or main_missing or missing or owed is not None:
            units = (owed or frozenset()) | missing
            written, deleted = _publish_guarded(config, state, units, now, progress, rejected)
        else:
            log.debug("no article changed: nothing rendered, nothing written")
        articles = state.count()
        # A build with rejected seeds records no scan digest: they are reported again next time.
        state.set_ledger(Ledger(settings, None if rejected else digest, None, articles, len(pages), rendering))
        state.commit()
    if config.site.hub and pings:
        _announce(config, written)
    return Report(
        seeds=len(listing.files) + len(listing.rejected),
        articles=articles,
        entries=min(articles, config.site.limit),
        new=counts.new,
        changed=counts.changed,
        removed=counts.removed,
        rejected=tuple(rejected),
        written=tuple(written),
        deleted=tuple(deleted),
    )


def _list(config: Config, changed: Collection[str] | None, settings: str) -> Scan:
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


def _unchanged(config: Config, files: dict[str, tuple[int, int]], digest: str) -> Report | None:
    """The report of a build with nothing to do, or ``None`` when there is something."""
    with State(config.state) as state:
        ledger = state.ledger()
        if not _untouched(config, ledger, digest):
            return None
    log.debug("no seed file changed since the last build: nothing read, rendered or written")
    return Report(len(files), ledger.articles, min(ledger.articles, config.site.limit), 0, 0, 0, (), ())


def _forget(state: State, gone: Sequence[str], counts: _Changes) -> set[Unit]:
    """Drop the rows of seed files that are gone; return the documents that held their articles."""
    rows = state.rows(gone).values()
    counts.removed = sum(1 for r in rows if r.article)
    affected = {Unit.page(r.page) for r in rows if r.page is not None}
    affected |= {Unit.topic(kind, key) for kind, key in state.topics_of(gone)}
    state.forget(gone)
    affected |= _citing(state, {r.title_key for r in rows if r.title_key})  # their links go with them
    return affected


def _citing(state: State, titles: set[str]) -> set[Unit]:
    """The documents of the articles citing a related story with one of these titles: their links change."""
    names = state.citing(titles)
    if not names:
        return set()
    rows = state.rows(names).values()
    units = {Unit.page(r.page) for r in rows if r.page is not None}
    return units | {Unit.topic(kind, key) for kind, key in state.topics_of(names)}


#: What every complete build has published: each format's subscription document, its browser view,
#: and the discovery files.
FEED_FILES = (*(fmt.main for fmt in FORMATS), *(view_name(fmt.main) for fmt in FORMATS), "index.html", "feeds.opml")
#: What older versions published and this one no longer does: removed by every build that publishes.
OBSOLETE_FILES = ("feed.xsl",)  # the XSLT browser view, before browsers removed XSLT


def _recover(config: Config, state: State) -> Record | None:
    """For a new state database beside published feeds: what the feeds say of their entries."""
    if not (config.out / "atom.xml").is_file():
        return None
    from ..store.record import read_record  # lxml: imported only by a build that recovers

    record = read_record(config.out)
    state.add_pages(record.pages)
    log.info(
        "new state database: kept the dates of %d published entries and %d archive pages from %s",
        len(record.entries),
        len(record.pages),
        config.out,
    )
    return record


def _listing(directory: Path) -> set[str]:
    try:
        with os.scandir(directory) as entries:
            return {entry.name for entry in entries}
    except OSError:
        return set()


def _scan_digest(scan: dict[str, tuple[int, int]], fingerprint: str) -> str:
    """One hash of every seed's name, size and mtime, and the settings: equal means nothing to do."""
    # In directory order, unsorted: a directory listed in another order only costs the slow
    # path, never a wrong answer. repr is built in C, far cheaper than hashing entry by entry.
    return hashlib.sha256(f"{fingerprint}{list(scan.items())!r}".encode()).hexdigest()


def _untouched(config: Config, ledger: Ledger, digest: str) -> bool:
    """True when the seeds and settings are those of the last complete build and its output is all there.

    The fast path of a no-change rebuild: it costs one scan of the seeds
    directory and one listing of the archive directory, whatever the corpus size.
    """
    if ledger.scan != digest or ledger.owed is not None:
        return False
    if not all((config.out / name).is_file() for name in FEED_FILES):
        return False
    pages = sum(1 for name in _listing(config.out / "archive") if not name.startswith("."))
    return pages == len(PAGED) * ledger.pages


def archive_overflow(state: State, limit: int, page_size: int) -> set[int]:
    """Move every article beyond the newest ``limit`` into the archive; return the pages that got one.

    An article keeps its page for good: it goes to the newest page while
    that page has room, else to a new one. So pages fill oldest first, and a
    full page never changes when new articles arrive.
    """
    assignments = assign_pages(state.overflow(limit), state.pages(), page_size)
    state.archive_many(assignments)
    return {page for _, page in assignments}


class _Unpublishable(Exception):
    """A document failed to render or verify; ``articles`` are those it holds."""

    def __init__(self, articles: list[Article], reason: str) -> None:
        super().__init__(reason)
        self.articles = articles
        self.reason = reason


def _publish_guarded(
    config: Config, state: State, units: Set[Unit], now: datetime, progress: bool, rejected: list[SeedError]
) -> tuple[list[str], list[str]]:
    """:func:`_render_and_publish`, rejecting any article that makes a document fail, then the rest again.

    The second line of defence: parsing validates every field with the
    verifier's rules, so this should never run. If it does, each article
    of the failing document is rendered and verified alone; those that fail
    are rejected (with the verifier's reason) and everything else is
    published. If no article fails alone, the build fails as a whole.
    """
    units = set(units)
    while True:
        try:
            return _render_and_publish(config, state, units, now, progress)
        except _Unpublishable as failure:
            culprits = _culprits(failure.articles, config.site)
            if not culprits:
                raise PublishError(config.out, failure.reason) from failure
            for article, reason in culprits:
                name = state.slug_owner(article.slug)
                if name is None:
                    raise PublishError(config.out, failure.reason) from failure
                row = state.rows([name])[name]
                units |= {Unit.topic(kind, key) for kind, key in state.topics_of([name])}
                if row.page is not None:
                    units.add(Unit.page(row.page))
                error = SeedError(config.seeds / name, f"cannot be published: {reason}")
                rejected.append(_reject(state, error, row, name, row.size, row.mtime_ns, row.sha256, now))
            ledger = state.ledger()
            state.set_ledger(replace(ledger, scan=None, owed=frozenset(units), articles=state.count()))
            state.commit()


def _culprits(articles: list[Article], site: Site) -> list[tuple[Article, str]]:
    """The articles that fail to render or verify in a feed of their own, with the reason."""
    from ..feeds.names import MAIN
    from ..feeds.atomrss import render_feeds

    found: list[tuple[Article, str]] = []
    for article in articles:
        try:
            documents = render_feeds([article], site, MAIN)  # every paged format
            for fmt in FORMATS:
                if fmt.render is not None:
                    documents[fmt.main] = fmt.render([article], site, article.language)
        except Exception as exc:  # any failure of this one article is its own
            found.append((article, f"rendering failed: {exc}"))
            continue
        for name, data in documents.items():
            try:
                _verify(name, data)
            except Exception as exc:
                found.append((article, f"{name} failed verification: {exc}"))
                break
    return found


def _render_and_publish(
    config: Config, state: State, units: Set[Unit], now: datetime, progress: bool
) -> tuple[list[str], list[str]]:
    """Render and publish the documents of ``units`` (and the subscription feeds): (written, removed)."""
    from ..feeds.discovery import discovery_documents
    from ..feeds.entry import Documents  # feedgen is imported only by a build that renders
    from ..feeds.html import render_view
    from ..feeds.names import MAIN, Page
    from ..store.publish import publish, unpublish
    from ..feeds.atomrss import feed_language

    site = config.site
    sizes = state.pages()
    last = max(sizes, default=None)
    pages = sorted(u.number for u in units if u.number is not None)
    topics = state.topic_counts()
    listed = sorted((kind, key, label) for (kind, key), (label, n) in topics.items() if n >= site.topic_min)
    kept = {Unit.topic(kind, key) for kind, key, _ in listed}
    dropped = sorted(u for u in units if u.number is None and u not in kept)
    links: dict[str, str | None] = {}  # folded title → link, looked up once per build
    renderer = Documents(site, keep=_FRAGMENTS_KEPT, store=state)

    def resolve(articles: Iterable[str]) -> list[Article]:
        resolved = _resolve_related(state, [article_from_json(j) for j in articles], links, site.related_url)
        current[:] = resolved
        return resolved

    def archive_documents() -> Iterator[tuple[str, bytes]]:
        if len(pages) < PARALLEL_PAGES_FROM or _workers() < 2:
            for number in pages:
                articles = resolve(state.page_articles(number))
                yield from renderer.render(articles, archive_page(number, sizes, site.page_size), empty_updated=now)
            return
        # Each worker reads its page's articles from the state itself (committed before
        # publishing), resolves, renders and verifies them: this process only publishes.
        tasks = (_PageTask(config.state, site, archive_page(n, sizes, site.page_size), now) for n in pages)
        with closing(_in_workers(_render_page, tasks)) as results:  # the pool ends here, even on a failure
            for task, result in results:
                if isinstance(result, str):
                    raise _Unpublishable(resolve(state.page_articles(task.page.number)), result)
                renderer.documents += 1
                renderer.entries += result[0]
                yield from result[1]

    def views(articles: list[Article], unit: str | None, title: str) -> Iterator[tuple[str, bytes]]:
        language = feed_language(articles, site)
        for fmt in FORMATS if unit is None else PAGED:
            name = fmt.document(unit)
            yield view_name(name), render_view(articles, site, language, name, fmt.media_type, title)

    def documents() -> Iterator[tuple[str, bytes]]:
        entries = resolve(state.newest(site.limit))
        if entries:
            yield from renderer.render(entries, replace(MAIN, prev=last))  # every paged format
            for fmt in FORMATS:
                if fmt.render is not None:
                    yield fmt.main, fmt.render(entries, site, feed_language(entries, site))
            yield from views(entries, None, site.title)
        else:
            log.error("no seed could be published; the subscription feeds were left as they were")
        yield from bar(archive_documents(), total=2 * len(pages), label="pages rendered", enabled=progress)
        for kind, key, label in listed:
            if Unit.topic(kind, key) in units:
                page = Page(topic=Unit.topic(kind, key).name, label=label)
                articles = resolve(state.topic_articles(kind, key, site.limit))
                yield from renderer.render(articles, page)
                yield from views(articles, page.topic, f"{site.title}: {label}")
        current.clear()
        if entries:
            yield from discovery_documents(site, sorted(sizes), listed)

    def verify(name: str, data: bytes) -> None:
        fmt = format_of(name)
        if fmt is not None and fmt.paged and name != fmt.main:
            return  # archive pages and topic feeds: verified as they were assembled (feeds.entry.Documents)
        _verify(name, data)

    current: list[Article] = []  # the articles of the document being rendered or verified
    try:
        written = publish(config.out, documents(), verify)
    except _Unpublishable:
        raise
    except PublishError as exc:
        if exc.__cause__ is None or isinstance(exc.__cause__, OSError) or not current:
            raise  # a write failed, or a document no article is in: not an article's fault
        raise _Unpublishable(list(current), str(exc)) from exc
    except (SeedfeedError, OSError):
        raise
    except Exception as exc:  # the renderer failed on one of the document's articles
        if not current:
            raise
        raise _Unpublishable(list(current), f"rendering failed: {exc!r}") from exc
    log.debug(
        "entries rendered: %d for %d articles in %d documents", renderer.entries, state.count(), renderer.documents
    )
    names = [fmt.document(unit.name) for unit in dropped for fmt in PAGED]
    gone = unpublish(config.out, [*names, *(view_name(n) for n in names), *OBSOLETE_FILES])
    log.debug("%d archive pages rendered; rewritten: %s; removed: %s", len(pages), written or "none", gone or "none")
    return written, gone


#: From this many archive pages to render on, they are rendered and verified in worker processes.
PARALLEL_PAGES_FROM = 16


@dataclass(frozen=True, slots=True)
class _PageTask:
    """One archive page for a worker: where the state is, the settings, the page, the build's time."""

    state: Path
    site: Site
    page: Any
    now: datetime


_worker_state: tuple[Path, State, dict[str, str | None]] | None = None  # a worker's read-only state


def _render_page(task: _PageTask) -> tuple[int, list[tuple[str, bytes]]] | str:
    """In a worker: (entries, both documents of an archive page) rendered and verified; or why not."""
    global _worker_state
    from ..feeds.entry import Documents

    if _worker_state is None or _worker_state[0] != task.state:
        _worker_state = (task.state, State(task.state, readonly=True), {})
    _, state, links = _worker_state
    try:  # rendering verifies (feeds.entry.Documents)
        pattern = task.site.related_url
        page = [article_from_json(j) for j in state.page_articles(task.page.number)]
        articles = _resolve_related(state, page, links, pattern)
        documents = Documents(task.site, keep=0).render(articles, task.page, empty_updated=task.now)
    except Exception as exc:  # reported in the build, which finds the article responsible
        return f"rendering or verification failed: {exc!r}"
    return len(articles), documents


#: Fragments kept for reuse within a build: the subscription and topic feeds share their newest entries.
_FRAGMENTS_KEPT = 1024


def _fingerprints(site: Site) -> tuple[str, str]:
    """(what the cached articles depend on besides the seed bytes, what the documents depend on).

    Parsing reads only the ids' prefix, the base URL, the time zone, the
    fallback language and the limits: a new site title, ``limit`` or hub
    renders every document again but parses no seed.
    """
    parsing = (site.id_prefix, site.base_url, site.timezone, site.language, site.limits)
    code = f"{__version__}/{CACHE_VERSION}"
    return (
        hashlib.sha256(f"{code}/{parsing!r}".encode()).hexdigest(),
        hashlib.sha256(f"{code}/{site!r}".encode()).hexdigest(),
    )


def _refresh(
    config: Config,
    state: State,
    names: list[str],
    scan: dict[str, tuple[int, int]],
    fresh: bool,
    now: datetime,
    counts: _Changes,
    affected: set[Unit],
    progress: bool = False,
    record: Record | None = None,
) -> list[SeedError]:
    """Read and, where the bytes changed, parse ``names``; record the results in ``state``.

    Adds to ``affected`` the archive pages and topic feeds whose entries change.
    ``record`` holds what the published feeds say of entries the state has
    lost: their dates and archive pages are kept.
    """
    rows = state.rows(names)
    affected |= {Unit.topic(kind, key) for kind, key in state.topics_of(names)}
    times = UniqueTimes(state.updated_taken)
    rejected: list[SeedError] = []
    # Written in one batch at the end (one executemany per table, not three statements per seed).
    # Until then the database does not know this batch: ``claimed`` and ``seen`` stand in for it.
    writes: list[Row] = []
    topics_of: dict[str, list[tuple[str, str, str]]] = {}
    cites_of: dict[str, list[str]] = {}
    titles: set[str] = set()  # titles that came or went: the articles citing them link anew
    claimed: dict[str, str] = {}  # slug → the file name publishing it, in this batch
    tasks = [(config.seeds / name, scan[name][0], config.site, _reusable_sha(rows.get(name), fresh)) for name in names]
    loading = _load_all(tasks)
    results = bar(loading, total=len(tasks), label="seeds read", enabled=progress)
    with closing(loading):  # the worker pool ends here, even if recording a result fails
        for name, result in zip(names, results, strict=True):
            for note in result.notes:
                log.warning("%s", note)
            path = config.seeds / name
            size, mtime_ns = scan[name]
            old = rows.get(name)
            if old is not None and old.page is not None:
                affected.add(Unit.page(old.page))  # whatever happens to it, its page is rendered again
            if old is not None and old.title_key and (result.article is not None or result.error is not None):
                titles.add(old.title_key)  # its title may have changed or gone
            if result.error is not None:
                error = SeedError(path, *result.error)
                rejected.append(_rejected(writes, topics_of, error, old, name, size, mtime_ns, result.sha, now))
                continue
            sha = result.sha
            if result.article is None:  # same bytes, new mtime: nothing to parse
                state.touch(name, size, mtime_ns)
                continue
            article = result.article
            owner = claimed.get(article.slug)
            if owner is None:
                owner = state.slug_owner(article.slug)
                owner = None if owner in rows else owner  # a seed of this batch holds a slug only once it claims it
            if owner not in (None, name):
                error = SeedError(path, f"slug {article.slug!r} is already used by {config.seeds / str(owner)}")
                rejected.append(_rejected(writes, topics_of, error, old, name, size, mtime_ns, sha, now))
                continue
            claimed[article.slug] = name
            recovered = record.entries.get(article.id) if record and old is None else None
            before = Before(old.first_seen, old.updated, old.article is not None, old.sha256) if old else None
            dates = entry_dates(
                article.published,
                sha,
                before,
                (recovered.published, recovered.updated) if recovered else None,
                now,
                times.take,
                article.day_only,
            )
            counts.new += dates.change is Change.NEW
            counts.changed += dates.change is Change.EDITED
            first_seen, published, updated = dates.first_seen, dates.published, dates.updated
            times.note(updated)
            article = replace(article, published=published, updated=updated)
            writes.append(
                Row(
                    name,
                    size,
                    mtime_ns,
                    sha,
                    first_seen,
                    updated,
                    slug=article.slug,
                    published=published.astimezone(UTC).isoformat(),
                    title_key=title_key(article.title),
                    link=article.link,
                    article=article_to_json(article),
                    page=old.page if old else recovered.page if recovered else None,
                )
            )
            topics = article_topics(article)
            topics_of[name] = topics
            cites_of[name] = sorted({title_key(s.title) for s in article.related if s.url is None})
            if dates.change is not Change.SAME:
                titles.add(title_key(article.title))
            affected |= {Unit.topic(kind, key) for kind, key, _ in topics}
            if len(writes) >= _WRITE_BATCH:  # memory stays flat: a batch of rows, not the corpus
                _flush(state, writes, topics_of, cites_of)
    _flush(state, writes, topics_of, cites_of)
    if not fresh:  # every document is rendered again anyway (new settings)
        return rejected
    affected |= _citing(state, titles)
    return rejected


#: Rows written per statement: large enough to amortise SQLite's per-statement cost.
_WRITE_BATCH = 1000


def _flush(
    state: State,
    writes: list[Row],
    topics: dict[str, list[tuple[str, str, str]]],
    cites: dict[str, list[str]] | None = None,
) -> None:
    state.put_many(writes)
    state.replace_topics(topics)
    state.replace_cites({row.name: (cites or {}).get(row.name, []) for row in writes})
    writes.clear()
    topics.clear()
    if cites is not None:
        cites.clear()


def article_topics(article: Article) -> list[tuple[str, str, str]]:
    """The (kind, key, label) topic feeds an article belongs to: its tags and its credited sources."""
    topics = [("tags", slugify(tag), tag) for tag in article.tags]
    topics += [("sources", slugify(c.name), c.name) for c in article.credits_by("source")]
    unique = {(kind, key): label for kind, key, label in topics if key}
    return [(kind, key, label) for (kind, key), label in unique.items()]


def _reusable_sha(row: Row | None, fresh: bool) -> str | None:
    """The hash whose bytes need no parsing: a published article's, under unchanged settings."""
    return row.sha256 if row is not None and row.article and fresh else None


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What reading one seed gave: its hash, and its article, or why it was rejected.

    ``article`` and ``error`` both ``None``: the bytes match the known hash, nothing was parsed.
    """

    sha: str
    article: Article | None = None
    error: tuple[str, int | None] | None = None
    notes: tuple[str, ...] = ()


#: From this many seeds to read on, parsing is spread over the machine's cores.
PARALLEL_FROM = 500


def _load_all(tasks: list[tuple[Path, int, Site, str | None]]) -> Generator[_Loaded, None, None]:
    """:func:`_load_one` over ``tasks``, in order; in worker processes when there are many.

    Workers come from a fork server, not a fork of the build: a forked worker
    would share the build lock's open file description, and one left behind
    by a build killed with ``kill -9`` would hold the lock, so that every
    later build exited 4. The fork server is a fresh interpreter that
    inherits no descriptor (it preloads the parser, which also makes it
    faster than forking: 4.2 s against 4.7 s for a cold 5,000-seed build),
    and each worker exits as soon as the build is gone (:func:`_watch_parent`).
    """
    if len(tasks) < PARALLEL_FROM or _workers() < 2:
        yield from map(_load_one, tasks)
        return
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    try:
        with _pool() as pool:
            for loaded in pool.map(_load_one, tasks, chunksize=64):
                yield loaded
                done += 1
    except BrokenProcessPool:  # a worker was killed (the OOM killer, an operator): finish here
        log.warning("a parsing worker died; parsing the other %d seeds in this process", len(tasks) - done)
        yield from map(_load_one, tasks[done:])


def _workers() -> int:
    return min(os.cpu_count() or 1, 8)


def _pool() -> Any:
    """A pool of worker processes from the fork server (see :func:`_load_all` for why not fork)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["seedfeed.build", "seedfeed.feeds.entry"])
    return ProcessPoolExecutor(_workers(), context, initializer=_watch_parent, initargs=(os.getpid(),))


def _in_workers(function: Callable[[_T], _R], tasks: Iterable[_T]) -> Generator[tuple[_T, _R], None, None]:
    """``(task, function(task))`` in the order of ``tasks``, computed in worker processes.

    At most a few tasks per worker are in flight: ``tasks`` is consumed as
    results come back, so memory holds a window of pages, not the archive.
    """
    from collections import deque

    window = 3 * _workers()
    pool = _pool()
    try:
        pending: deque[tuple[_T, Any]] = deque()
        for task in tasks:
            pending.append((task, pool.submit(function, task)))
            if len(pending) >= window:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:  # also when the consumer stops early: no task left running, no pool left to the collector
        pool.shutdown(wait=True, cancel_futures=True)


def _watch_parent(build: int) -> None:
    """In a worker: exit at once when the build process ``build`` is gone.

    Not "when re-parented": a fork server's workers hold the descriptor that
    keeps the fork server alive, so their parent never goes away by itself.
    A pidfd becomes readable when the process ends, even as a zombie.
    """
    import select
    import threading

    def watch() -> None:
        try:
            handle = os.pidfd_open(build)
        except ProcessLookupError:
            os._exit(1)
        except OSError:  # no pidfd (kernel < 5.3): poll instead
            _poll_alive(build)
            os._exit(1)
        select.select([handle], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="seedfeed-build-watch", daemon=True).start()


def _poll_alive(pid: int, interval: float = 0.1) -> None:
    """Return once process ``pid`` has ended (or is a zombie)."""
    import time

    stat = Path(f"/proc/{pid}/stat")
    while True:
        try:
            os.kill(pid, 0)
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return
        except ProcessLookupError:
            return
        except OSError:
            pass
        time.sleep(interval)


def _load_one(task: tuple[Path, int, Site, str | None]) -> _Loaded:
    """Read, hash and (unless the bytes equal ``known_sha``) parse one seed; never raises SeedError."""
    path, size, site, known_sha = task
    sha = ""
    try:
        data = _read(path, size)
        sha = hashlib.sha256(data).hexdigest()
        if sha == known_sha:
            return _Loaded(sha)
        article, notes = _parse(data, path, site)
        return _Loaded(sha, article=article, notes=notes)
    except SeedError as error:
        return _Loaded(sha, error=(error.reason, error.line))


def _reject(
    state: State, error: SeedError, old: Row | None, name: str, size: int, mtime_ns: int, sha: str, now: datetime
) -> SeedError:
    """Record seed ``name`` as rejected (it keeps its archive page, if it had one); log the error."""
    writes: list[Row] = []
    topics: dict[str, list[tuple[str, str, str]]] = {}
    _rejected(writes, topics, error, old, name, size, mtime_ns, sha, now)
    state.put_many(writes)
    state.replace_topics(topics)
    return error


def _rejected(
    writes: list[Row],
    topics: dict[str, list[tuple[str, str, str]]],
    error: SeedError,
    old: Row | None,
    name: str,
    size: int,
    mtime_ns: int,
    sha: str,
    now: datetime,
) -> SeedError:
    """Log the error, and add the row of a rejected seed to ``writes`` (and no topics)."""
    log.error("%s", error)
    topics[name] = []
    writes.append(
        Row(
            name,
            size,
            mtime_ns,
            sha or (old.sha256 if old else ""),
            old.first_seen if old else now,
            old.updated if old else now,
            error=json.dumps([error.reason, error.line]),
            page=old.page if old else None,
        )
    )
    return error


def _read(path: Path, size: int) -> bytes:
    return read_seed(path, size)


def _parse(data: bytes, path: Path, site: Site) -> tuple[Article, tuple[str, ...]]:
    """Decode, parse and bound one seed; the warnings come back as lines for the build to log.

    Returned, not logged here: in a parsing worker, logging is not the one the command line set up.
    """
    decoded = decode(data, str(path))
    notes: list[str] = []
    if decoded.legacy_encoding:
        notes.append(f"{path}: not UTF-8; decoded as {decoded.legacy_encoding}")
    if stray := decoded.stray:
        more = f", and {stray.count - 1} more," if stray.count > 1 else ""
        where = f"{path}:{stray.line}"
        notes.append(
            f"{where}: invalid UTF-8 byte 0x{stray.byte:02X} at byte {stray.offset}{more} replaced with U+FFFD"
        )
    if decoded.removed_controls:
        notes.append(f"{path}: removed {decoded.removed_controls} control characters that XML forbids")
    article = parse_seed(decoded.text, name=path.name, site=site, path=str(path))
    article, cut = within_limits(article, site.limits, str(path))
    return article, (*notes, *cut)


def title_key(title: str) -> str:
    """Titles are compared case- and whitespace-insensitively."""
    return " ".join(title.split()).casefold()


def _resolve_related(
    state: State, entries: list[Article], links: dict[str, str | None], pattern: str | None = None
) -> list[Article]:
    """Give each related story the URL somebody gave for it, else none.

    In order: the seed's own URL; the corpus article with the same title
    (the first by slug); the site's ``related_url`` pattern with the title's
    slug, when one is configured. Nothing is guessed.
    """

    def url(story: RelatedStory) -> str | None:
        if story.url is not None:
            return story.url
        key = title_key(story.title)
        if key not in links:
            links[key] = state.link_for_title(key)
        found = links[key]
        if found is None and pattern is not None:
            slug = slugify(story.title)
            found = pattern.replace("{slug}", slug) if slug else None
        return found

    return [replace(a, related=tuple(replace(s, url=url(s)) for s in a.related)) if a.related else a for a in entries]


def announce(config: Config, written: Sequence[str]) -> None:
    """Ping the WebSub hub (if any) for the subscription feeds in ``written``, and for pings that failed before."""
    if config.site.hub:
        _announce(config, written)


def _announce(config: Config, written: Sequence[str]) -> None:
    """Ping the WebSub hub for every rewritten feed and every ping that failed before."""
    from ..websub import ping

    assert config.site.hub
    with State(config.state) as state:
        feeds = {name for name in written if "/" not in name and name.endswith((".xml", ".json"))}
        urls = sorted(state.pending_pings() | {f"{config.site.feeds_url}{name}" for name in feeds})
        if urls:
            state.set_pending_pings(ping(config.site.hub, urls))
            state.commit()


def _verify(name: str, data: bytes) -> None:
    """The format's verifier (deep for the subscription documents), else the discovery documents' checks."""
    fmt = format_of(name)
    if fmt is not None:
        fmt.verify(data, name == fmt.main)
        return
    from ..feeds.discovery import verify_discovery

    verify_discovery(name, data)


def load_seed(path: Path, site: Site) -> Loaded:
    """Read one seed file and parse it (``seedfeed parse``); raises :class:`SeedError`."""
    data = read_seed(path, confined=False)
    article, notes = _parse(data, path, site)
    for note in notes:
        log.warning("%s", note)
    return Loaded(article, hashlib.sha256(data).hexdigest())
