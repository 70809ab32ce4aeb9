"""Recording what changed: seeds gone, seeds read, articles parsed, into the state (one transaction).

Each stage returns what it found (:class:`Changes`): counts for the report,
the rejected seeds, and the documents (:class:`~seedfeed.plan.plan.Unit`)
whose entries change, which the build then owes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from ..codec import article_to_json
from ..config import Config
from ..errors import SeedError, printable
from ..feeds.names import MAIN, topic_key
from ..ingest.load import Loaded, Task
from ..ingest.seeds import WAITING
from ..model import Article
from ..plan.archive import assign_pages, with_neighbours
from ..plan.dates import Before, Change, UniqueTimes, entry_dates
from ..plan.links import entry_link, title_key
from ..plan.plan import Unit
from ..progress import bar
from ..store.state import Listing, Row, State
from .run import Run
from .workers import load_all

if TYPE_CHECKING:
    from ..store.record import Record

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Rows written per statement, and results recorded per batch: large enough to amortise SQLite's
#: per-statement cost, small enough that memory holds a batch of rows, not the corpus.
BATCH = 500

Topics = list[tuple[str, str, str]]  # (kind, key, label) of each topic feed an article is in


@dataclass
class Changes:
    """What recording found: counts for the report, rejected seeds, and the documents that change."""

    new: int = 0
    changed: int = 0
    removed: int = 0
    withdrawn: int = 0  # published articles whose seed is now rejected: they leave every document
    read: int = 0  # seed files read (their size or mtime changed, or they are new or were rejected)
    parsed: int = 0  # of those, the ones whose bytes changed, so they were parsed
    rejected: list[SeedError] = field(default_factory=list)
    affected: set[Unit] = field(default_factory=set)


def forget(state: State, gone: Sequence[str]) -> Changes:
    """Drop the rows of seed files that are gone; the documents that held their articles change."""
    rows = state.rows(gone).values()
    affected = {Unit.page(r.page) for r in rows if r.page is not None}
    affected |= {Unit.article(r.slug) for r in rows if r.slug}  # its page goes with it
    affected |= {Unit.topic(kind, key) for kind, key in state.topics_of(gone)}
    state.forget(gone)
    affected |= citing(state, {r.title_key for r in rows if r.title_key})  # their links go with them
    return Changes(removed=sum(1 for r in rows if r.article), affected=affected)


def citing(state: State, titles: set[str]) -> set[Unit]:
    """The documents of the articles citing a related story with one of these titles: their links change."""
    names = state.citing(titles)
    if not names:
        return set()
    rows = state.rows(names).values()
    units = {Unit.page(r.page) for r in rows if r.page is not None}
    units |= {Unit.article(r.slug) for r in rows if r.slug}
    return units | {Unit.topic(kind, key) for kind, key in state.topics_of(names)}


def record(
    run: Run,
    state: State,
    names: Sequence[str],
    files: dict[str, tuple[int, int]],
    fresh: bool,
    recovered: Record | None,
) -> Changes:
    """Read and, where the bytes changed, parse the seed files ``names``; record the results in ``state``.

    ``fresh``: the settings are those the stored articles were parsed with,
    so bytes whose hash is unchanged need no parsing. ``recovered`` holds
    what the published feeds say of entries a new state has lost: their
    dates and archive pages are kept. A seed still being written (listed
    with the mtime :data:`~seedfeed.ingest.seeds.WAITING`) is not read: its
    row stays as it was, and the next build, which lists it anew, reads it.
    """
    names = _settled(run, names, files)
    rows = state.rows(names)
    recorder = _Recorder(run, state, rows, recovered)
    recorder.changes.affected |= {Unit.topic(kind, key) for kind, key in state.topics_of(names)}
    recorder.changes.read = len(names)
    seeds = run.config.seeds
    site = run.config.site
    tasks = (Task(seeds / name, files[name][0], site, _reusable_sha(rows.get(name), fresh)) for name in names)
    loading = load_all(tasks, len(names))
    results = bar(loading, total=len(names), label="seeds read", enabled=run.progress)
    with closing(loading):  # the worker pool ends here, even if recording a result fails
        for batch in _batches(zip(names, results, strict=True), BATCH):
            recorder.take(batch, files)
    if fresh:  # else every document is rendered again anyway (new settings)
        recorder.changes.affected |= citing(state, recorder.titles)
    return recorder.changes


class _Recorder:
    """Turns load results into rows, written one batch at a time (one ``executemany`` per table).

    Until a batch is written the database does not know it: ``claimed``
    (slug → the file publishing it in this build) stands in for it.
    """

    def __init__(self, run: Run, state: State, rows: dict[str, Row], recovered: Record | None) -> None:
        self.run = run
        self.state = state
        self.rows = rows
        self.recovered = recovered
        self.changes = Changes()
        self.times = UniqueTimes(state.updated_taken, state.updated_between)
        self.titles: set[str] = set()  # titles that came or went: the articles citing them link anew
        self.claimed: dict[str, str] = {}
        self.writes: list[Row] = []
        self.touched: list[tuple[str, int, int]] = []  # same bytes, new size or mtime
        self.topics: dict[str, list[Listing]] = {}
        self.cites: dict[str, list[str]] = {}
        self.images: dict[str, tuple[str, str, int, int] | None] = {}  # seed → its local image, as the state keeps it

    def take(self, batch: list[tuple[str, Loaded]], files: dict[str, tuple[int, int]]) -> None:
        """Record one batch of results, asking the state for the batch's slugs' owners in one query."""
        owners = self.state.slug_owners({r.article.slug for _, r in batch if r.article is not None})
        for name, result in batch:
            self._one(name, result, files[name], owners)
        self.state.put_many(self.writes)
        self.state.touch_many(self.touched)
        self.state.replace_topics(self.topics)
        self.state.replace_cites({row.name: self.cites.get(row.name, []) for row in self.writes})
        self.state.replace_images(self.images)
        self.writes.clear()
        self.images.clear()
        self.touched.clear()
        self.topics.clear()
        self.cites.clear()

    def _one(self, name: str, result: Loaded, stat: tuple[int, int], owners: dict[str, str]) -> None:
        for note in result.notes:
            log.warning("%s", note)
        self.changes.parsed += result.parsed
        old = self.rows.get(name)
        if old is not None and old.page is not None:
            self.changes.affected.add(Unit.page(old.page))  # whatever happens to it, its page is rendered again
        if old is not None and old.slug and (result.article is not None or result.error is not None):
            self.changes.affected.add(Unit.article(old.slug))  # its article page: rendered again, or removed
        if old is not None and old.title_key and (result.article is not None or result.error is not None):
            self.titles.add(old.title_key)  # its title may have changed or gone
        if result.error is not None:
            self._reject(SeedError(self.run.config.seeds / name, *result.error), name, stat, result.sha)
            return
        if result.article is None:  # same bytes, new mtime: nothing to parse
            self.touched.append((name, *stat))
            return
        article = result.article
        owner = self.claimed.get(article.slug)
        if owner is None:
            owner = owners.get(article.slug)
            owner = None if owner in self.rows else owner  # a seed of this build holds a slug once it claims it
        if owner not in (None, name):
            used = f"slug {article.slug!r} is already used by {self.run.config.seeds / str(owner)}"
            self._reject(SeedError(self.run.config.seeds / name, used), name, stat, result.sha)
            return
        self.claimed[article.slug] = name
        self._publish(name, article, stat, result.sha, old)
        image = article.image
        local = result.image
        self.images[name] = (local[0], image.file, local[1], local[2]) if image and image.file and local else None

    def _publish(self, name: str, article: Article, stat: tuple[int, int], sha: str, old: Row | None) -> None:
        recovered = self.recovered.entries.get(article.id) if self.recovered and old is None else None
        before = _before(old) if old else None
        dates = entry_dates(
            article.published,
            sha,
            before,
            (recovered.published, recovered.updated) if recovered else None,
            self.run.now,
            self.times.take,
            article.day_only,
        )
        self.changes.new += dates.change is Change.NEW
        self.changes.changed += dates.change is Change.EDITED
        self.times.note(dates.updated)
        link = article.link or entry_link(self.run.config.site, article.slug, dates.published)
        article = replace(article, published=dates.published, updated=dates.updated, link=link or "")
        published = dates.published.astimezone(UTC).isoformat()
        self.writes.append(
            Row(
                name,
                *stat,
                sha,
                dates.first_seen,
                dates.updated,
                slug=article.slug,
                published=published,
                title_key=title_key(article.title),
                link=article.link,
                article=article_to_json(article),
                page=old.page if old else recovered.page if recovered else None,
                language=article.language,
            )
        )
        topics = article_topics(article)
        self.topics[name] = [Listing(*topic, published, article.slug) for topic in topics]
        self.cites[name] = sorted({title_key(s.title) for s in article.related if s.url is None})
        if dates.change is not Change.SAME:
            self.titles.add(title_key(article.title))
        self.changes.affected |= {Unit.topic(kind, key) for kind, key, _ in topics}
        self.changes.affected.add(Unit.article(article.slug))

    def _reject(self, error: SeedError, name: str, stat: tuple[int, int], sha: str) -> None:
        self.changes.rejected.append(error)
        old = self.rows.get(name)
        self.changes.withdrawn += old is not None and old.slug is not None
        self.writes.append(rejected_row(error, old, name, stat, sha, self.run.now))
        self.topics[name] = []
        self.images[name] = None


def rejected_row(error: SeedError, old: Row | None, name: str, stat: tuple[int, int], sha: str, now: datetime) -> Row:
    """Log the error; the row of a rejected seed, which keeps its archive page if it had one.

    A seed that was published keeps, while rejected, the hash of the bytes
    last published and its ``published`` column (which only a row with a slug
    is ever listed by): its fix is dated as an edit unless it brings those
    bytes back (:class:`~seedfeed.plan.dates.Before`).
    """
    log.error("%s", error)
    if old is not None and (old.published is not None or not sha):
        sha = old.sha256
    return Row(
        name,
        *stat,
        sha,
        old.first_seen if old else now,
        old.updated if old else now,
        published=old.published if old else None,
        error=json.dumps([error.reason, error.line]),
        page=old.page if old else None,
    )


def _before(row: Row) -> Before:
    """What the last build knew of a seed, from its row."""
    published = row.article is not None
    return Before(row.first_seen, row.updated, published, row.sha256, not published and row.published is not None)


def reject(state: State, error: SeedError, name: str, now: datetime) -> SeedError:
    """Record the published seed ``name`` as rejected after all (it keeps its archive page); log the error."""
    old = state.rows([name])[name]
    state.put_many([rejected_row(error, old, name, (old.size, old.mtime_ns), old.sha256, now)])
    state.replace_topics({name: []})
    state.replace_images({name: None})
    return error


def article_topics(article: Article) -> Topics:
    """The (kind, key, label) topic feeds an article belongs to: its tags and its credited sources."""
    topics = [("tags", topic_key(tag), tag) for tag in article.tags]
    topics += [("sources", topic_key(c.name), c.name) for c in article.credits_by("source")]
    unique = {(kind, key): label for kind, key, label in topics if key}
    return [(kind, key, label) for (kind, key), label in unique.items()]


def archive_overflow(state: State, limit: int, page_size: int) -> set[int]:
    """Move every article beyond the newest ``limit`` into the archive; return the pages that got one, and the
    page before each new page (its ``next-archive`` and "newer stories" links now lead to the new one).

    An article keeps its page for good: it goes to the newest page while
    that page has room, else to a new one. So pages fill oldest first, and a
    full page never changes when new articles arrive.
    """
    before = state.pages()
    assignments = assign_pages(state.overflow(limit), before, page_size)
    state.archive_many(assignments)
    pages = {page for _, page in assignments}
    return with_neighbours(pages, made=pages - before.keys())


def _settled(run: Run, names: Sequence[str], files: dict[str, tuple[int, int]]) -> Sequence[str]:
    """``names`` without the seeds still being written, each of which gets one info line."""
    waiting = {name for name in names if files[name][1] == WAITING}
    for name in sorted(waiting):
        log.info("%s: still being written; left for the next build", printable(str(run.config.seeds / name)))
    return [name for name in names if name not in waiting] if waiting else names


def _reusable_sha(row: Row | None, fresh: bool) -> str | None:
    """The hash whose bytes need no parsing: a published article's, under unchanged settings."""
    return row.sha256 if row is not None and row.article and fresh else None


def _batches(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def recover(config: Config, state: State) -> Record | None:
    """For a new state database beside published feeds: what the feeds say of their entries."""
    if not (config.out / MAIN.name("atom")).is_file():
        return None
    from ..store.record import read_record  # lxml: imported only by a build that recovers

    found = read_record(config.out)
    state.add_pages(found.pages)
    log.info(
        "new state database: kept the dates of %d published entries and %d archive pages from %s",
        len(found.entries),
        len(found.pages),
        config.out,
    )
    return found
