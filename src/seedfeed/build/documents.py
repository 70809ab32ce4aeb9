"""The documents a build publishes, each from a named producer, and publishing them as one set.

Gather, then write: :class:`Producers` yields ``(file name, bytes)`` pairs
(the subscription feeds and their views, the archive pages in every format
and their views, the topic feeds and their views, the discovery documents)
and the writer stages, verifies and renames them all or none
(:mod:`seedfeed.store.publish`). feedgen is imported only by a build that
renders.

An archive page's JSON Feed and views are made with its Atom and RSS
documents, in the same process (:func:`page_extras`), so they cost what the
page costs: nothing when the page did not change. One view of a page can
change after the page is full: the newest page's "newer stories" leads to
the subscription view until a newer page is made, and to that page from
then on; so when the newest page is rendered, the views of the page before
it are rendered too (written only if their bytes changed, which they do
once).
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Sequence, Set
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import PublishError, SeedfeedError
from ..feeds import FORMATS, PAGED, format_of
from ..feeds.face import faces
from ..feeds.names import (
    ARCHIVE,
    ARTICLES,
    ASSETS,
    MAIN,
    OBSOLETE_FILES,
    Page,
    archive_number,
    article_of,
    article_page,
    is_asset,
    view_name,
)
from ..model import Article
from ..plan.archive import archive_page
from ..plan.plan import Unit
from ..progress import bar
from ..store.publish import Outcome
from ..store.state import State
from .assets import Document, Output, face_files
from .render import (
    ArticleTask,
    Failure,
    Links,
    PageTask,
    articles_documents,
    chain,
    page_extras,
    render_articles,
    render_page,
    verify_document,
)
from .run import Run
from .unpublishable import Unpublishable
from .workers import Running, in_workers, workers

log = logging.getLogger(__name__)


#: From this many archive pages to render on, they are rendered and verified in worker processes.
PARALLEL_PAGES_FROM = 16
#: Archive pages handed to the workers ahead of the results taken: enough to keep them busy while this
#: process renders the subscription feeds. A result is a note, not the page (the worker staged it).
PAGES_AHEAD = 32
#: Fragments kept for reuse within a build: the subscription and topic feeds share their newest entries.
FRAGMENTS_KEPT = 1024
#: Article pages whose articles are read from the state in one query; in a worker process, one task.
ARTICLE_BATCH = 250
#: From this many article pages to render on, they are rendered and verified in worker processes.
PARALLEL_ARTICLES_FROM = 2 * ARTICLE_BATCH
#: The documents of one archive page: its document in every format, and the browser view of each.
PAGE_DOCUMENTS = 2 * len(FORMATS)


class Producers:
    """Every document of one build's ``units``, each kind from its own producer.

    ``current`` holds the articles of the document being produced or
    verified, so that a failure can be blamed on them (:mod:`.blame`).
    """

    def __init__(self, run: Run, state: State, units: Set[Unit]) -> None:
        from ..feeds.entry import Documents

        self.run = run
        # The language decided for the whole corpus (build._language): every document declares it.
        self.site = replace(run.config.site, language=state.ledger().language or run.config.site.language)
        self.state = state
        self.units = units
        self.sizes = state.pages()
        self.pages = sorted(u.number for u in units if u.number is not None)
        self.newest = max(self.sizes, default=None)
        counts = state.topic_counts()
        self.listed = sorted(
            (kind, key, label) for (kind, key), (label, n) in counts.items() if n >= self.site.topic_min
        )
        self.renderer = Documents(self.site, keep=FRAGMENTS_KEPT, store=state)
        self.links = Links(state, self.site.related_url)
        self.current: list[Article] = []
        self.slugs = sorted(u.slug for u in units if u.slug is not None)
        self.unpaged: set[str] = set()  # the slugs of the units whose article has no page (gone, or its own URL)
        many = workers() >= 2
        self.parallel_articles = many and len(self.slugs) >= PARALLEL_ARTICLES_FROM
        self.parallel_pages = many and len(self.pages) >= PARALLEL_PAGES_FROM

    @property
    def folders(self) -> list[str]:
        """The directories that worker processes stage documents into (:func:`~seedfeed.store.publish.stage`)."""
        return [folder for folder, used in ((ARTICLES, self.parallel_articles), (ARCHIVE, self.parallel_pages)) if used]

    def documents(self) -> Iterator[Output]:
        """Every document, in the order they are staged.

        The archive pages are handed to the workers before this process
        renders the subscription feeds, and taken after: the workers begin
        while it renders (the order of the renames is
        :func:`~seedfeed.feeds.names.publish_order`, whatever this one).
        The topic feeds come after the archive pages: the entries this
        process renders are stored in the state, and a write that outgrows
        SQLite's page cache while the workers read it would wait for them.
        """
        yield from bar(self.articles(), total=len(self.slugs), label="article pages", enabled=self.run.progress)
        entries = self._resolve(self.state.newest(self.site.limit))
        with ExitStack() as pool:  # the archive's workers end here, even on a failure
            pages = self.archive(pool)
            if entries:
                yield from self.faces()
                yield from self.subscription(entries)
            else:
                log.error("no seed could be published; the subscription feeds were left as they were")
            self.current.clear()
            total = PAGE_DOCUMENTS * len(self.pages)
            yield from bar(pages, total=total, label="pages rendered", enabled=self.run.progress)
        yield from self.topics()
        self.current.clear()
        if entries:
            yield from self.discovery()

    def subscription(self, entries: list[Article]) -> Iterator[Document]:
        """The subscription feeds of every format, and their browser views."""
        from ..feeds.atomrss import feed_language

        page = replace(MAIN, prev=self.newest)
        yield from self.renderer.render(entries, page)
        language = feed_language(entries, self.site)
        for fmt in FORMATS:
            if fmt.render is not None:
                yield fmt.main, fmt.render(entries, self.site, language, page)
        yield from self.views(entries, None, self.site.title)

    def faces(self) -> Iterator[Document]:
        """The site's icon and logo that are local files, published with the subscription feeds."""
        yield from face_files(self.site, self.run.config.out)

    def articles(self) -> Iterator[Output]:
        """The local image of each article of the units, and the page of each that links to one (that gives
        no URL of its own), verified: in worker processes when there are many."""
        seeds, out = self.run.config.seeds, self.run.config.out
        batches = [tuple(self.slugs[at : at + ARTICLE_BATCH]) for at in range(0, len(self.slugs), ARTICLE_BATCH)]
        results: Generator[tuple[Any, tuple[list[str], Sequence[Output]] | Failure], None, None]  # (batch, made)
        if not self.parallel_articles:
            results = ((batch, articles_documents(self.links, batch, seeds, self.site)) for batch in batches)
        else:  # each worker reads its batch's articles from the state itself (committed before publishing)
            tasks = (ArticleTask(self.run.config.state, self.site, seeds, batch, out) for batch in batches)
            results = in_workers(render_articles, tasks)
        with closing(results), _staging(out, "article pages"):  # a worker pool ends here, even on a failure
            for _, result in results:
                if isinstance(result, Failure):
                    raise Unpublishable(self.links.resolve(self.state.articles([result.slug]).values()), result.reason)
                self.unpaged.update(result[0])
                yield from result[1]

    def archive(self, pool: ExitStack) -> Iterator[Output]:
        """The archive pages of the units, in every format, and their views: in worker processes when there
        are many, which start now and end with ``pool``. The page before a new page is among them
        (:func:`~seedfeed.plan.archive.with_neighbours`)."""
        if not self.parallel_pages:
            return self._archive_here()
        # Each worker reads its page's articles from the state itself (committed before
        # publishing), resolves, renders and verifies them: this process only publishes.
        config = self.run.config
        tasks = (
            PageTask(config.state, self.site, self._page(n), self.run.now, self.newest, config.out) for n in self.pages
        )
        return self._archive_from(pool.enter_context(closing(Running(render_page, tasks, PAGES_AHEAD))))

    def _archive_here(self) -> Iterator[Output]:
        for number in self.pages:
            articles = self._resolve(self.state.page_articles(number))
            page = self._page(number)
            yield from self.renderer.render(articles, page, empty_updated=self.run.now)
            yield from page_extras(articles, self.site, page, self.newest)

    def _archive_from(self, results: Running[PageTask, tuple[int, list[Output]] | str]) -> Iterator[Output]:
        with _staging(self.run.config.out, "archive pages"):
            for task, result in results:
                if isinstance(result, str):
                    assert task.page.number is not None
                    raise Unpublishable(self._resolve(self.state.page_articles(task.page.number)), result)
                self.renderer.documents += 1
                self.renderer.entries += result[0]
                yield from result[1]

    def topics(self) -> Iterator[Document]:
        """The tag and source feeds of the units that still have enough articles, and their views."""
        for kind, key, label in self.listed:
            unit = Unit.topic(kind, key)
            if unit in self.units:
                page = Page(topic=unit.name, label=label)
                articles = self._resolve(self.state.topic_articles(kind, key, self.site.limit))
                yield from self.renderer.render(articles, page)
                yield from self.views(articles, page.topic, f"{self.site.title}: {label}")

    def views(self, articles: list[Article], unit: str | None, title: str) -> Iterator[Document]:
        """The browser view of each format's document of ``unit`` (the subscription feeds when ``None``)."""
        from ..feeds.atomrss import feed_language
        from ..feeds.html import render_view, view_entries

        language = feed_language(articles, self.site)
        entries = view_entries(articles, self.site, language)  # the same in every format's view
        for fmt in FORMATS if unit is None else PAGED:
            name = fmt.document(unit)
            older = chain(fmt, None, self.newest)[0] if unit is None else None
            view = render_view(articles, self.site, language, name, fmt.media_type, title, older=older, entries=entries)
            yield view_name(name), view

    def discovery(self) -> Iterator[Document]:
        """The index page and the OPML."""
        from ..feeds.discovery import discovery_documents

        yield from discovery_documents(self.site, sorted(self.sizes), self.listed)

    def dropped(self) -> list[str]:
        """The files to remove: the feeds and views of topics that lost their last article, the pages of
        articles that are gone or now link elsewhere, and obsolete files."""
        kept = {Unit.topic(kind, key) for kind, key, _ in self.listed}
        names = [fmt.document(u.name) for u in sorted(self.units) if u.is_topic and u not in kept for fmt in PAGED]
        pages = [article_page(slug) for slug in sorted(self.unpaged)]
        return [*pages, *names, *(view_name(n) for n in names), *self.unused_assets(), *OBSOLETE_FILES]

    def unused_assets(self) -> list[str]:
        """The published assets no article uses any more (only looked for when an article changed)."""
        if not self.slugs:
            return []
        used = {file for _, file, _, _ in self.state.images().values()} | {p.file for p in faces(self.site)}
        return [name for name in self.state.published_in(ASSETS) if is_asset(name) and name not in used]

    def _page(self, number: int) -> Page:
        return archive_page(number, self.sizes, self.site.page_size)

    def _resolve(self, stored: Iterable[str]) -> list[Article]:
        self.current[:] = self.links.resolve(stored)
        return self.current[:]


@contextmanager
def _staging(out: Path, what: str) -> Iterator[None]:
    """Where workers render and stage ``what``: a file they could not write, or a worker that ended (the OOM
    killer, an operator), is the build's error, not an article's. Nothing is published; the next build
    renders them again."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield
    except OSError as exc:
        raise PublishError(exc.filename or out, f"cannot write: {exc.strerror or exc}") from None
    except BrokenProcessPool:
        raise PublishError(out, f"a worker process ended while rendering {what}; nothing was published") from None


@dataclass(frozen=True, slots=True)
class Done:
    """What publishing the documents of some units did."""

    outcome: Outcome  # the files rewritten, and every document published, as on disk now
    removed: list[str]  # the files deleted
    dropped: list[str]  # every file that should no longer exist (deleted now, or gone already)


def publish_units(run: Run, state: State, units: Set[Unit]) -> Done:
    """Render and publish the documents of ``units`` (and the subscription feeds), then remove what went.

    Raises :class:`Unpublishable` when a document holding articles fails to
    render or verify, so that the build can find the article responsible.
    """
    producers = Producers(run, state, units)
    try:
        outcome = run.writer.publish(
            run.config.out, producers.documents(), _verify_staged, tidy=run.tidy, folders=producers.folders
        )
    except Unpublishable:
        raise
    except PublishError as exc:
        if exc.__cause__ is None or isinstance(exc.__cause__, OSError) or not producers.current:
            raise  # a write failed, or a document no article is in: not an article's fault
        raise Unpublishable(list(producers.current), str(exc)) from exc
    except (SeedfeedError, OSError):
        raise
    except Exception as exc:  # the renderer failed on one of the document's articles
        if not producers.current:
            raise
        raise Unpublishable(list(producers.current), f"rendering failed: {exc!r}") from exc
    renderer = producers.renderer
    if log.isEnabledFor(logging.DEBUG):  # counting the articles is a query over all of them
        log.debug(
            "entries rendered: %d for %d articles in %d documents", renderer.entries, state.count(), renderer.documents
        )
    dropped = producers.dropped()
    gone = run.writer.unpublish(run.config.out, dropped)
    log.debug(
        "%d archive pages rendered; rewritten: %s; removed: %s",
        len(producers.pages),
        outcome.written or "none",
        gone or "none",
    )
    return Done(outcome, gone, dropped)


def _verify_staged(name: str, data: bytes) -> None:
    fmt = format_of(name)
    if fmt is not None and fmt.paged and name != fmt.main:
        return  # archive pages and topic feeds: verified as they were assembled (feeds.entry.Documents)
    if archive_number(name) is not None:
        return  # an archive page's JSON Feed and views: verified as they were made (page_extras)
    if article_of(name) is not None:
        return  # verified as it was made (article_documents)
    verify_document(name, data)
