"""What one article or one archive page publishes, rendered and verified: in the build, or in a worker process.

A worker gets a task naming the state database (read-only, committed before
publishing), the settings, the page or the slugs and the output directory; it
reads the articles itself, resolves their related stories, renders and
verifies every document and stages it (:func:`~seedfeed.store.publish.stage`),
and sends back a note of what it staged, or the article that failed and why.
The build only renames. Images are sent back as bytes: two articles may share
one, and only the build may stage a name twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..codec import article_from_json
from ..feeds import FORMATS, Format, format_of
from ..feeds.names import Page, article_of, article_page, is_asset, view_name
from ..model import Article, Site
from ..plan.links import cited_titles, has_page, resolve_related
from ..store.publish import stage
from ..store.state import State
from .assets import Document, Output, asset
from .unpublishable import Unpublishable


class Links:
    """Folded related-story title → the link of the corpus article with that title, asked once per build."""

    def __init__(self, state: State, pattern: str | None) -> None:
        self.state = state
        self.pattern = pattern
        self.known: dict[str, str | None] = {}

    def resolve(self, stored: Iterable[str]) -> list[Article]:
        """The stored articles (JSON) with their related stories linked; one query for the titles not yet asked."""
        articles = [article_from_json(text) for text in stored]
        wanted = cited_titles(articles) - self.known.keys()
        if wanted:
            found = self.state.links_for_titles(wanted)
            self.known.update({key: found.get(key) for key in wanted})
        return resolve_related(articles, self.known, self.pattern)


def article_documents(article: Article, seeds: Path, site: Site) -> tuple[list[Document], bool]:
    """(the article's local image and its page, verified; whether it has a page): what publishing one article
    adds besides its entries. Raises :class:`Unpublishable` for an image changed since it was loaded."""
    from ..feeds.article import render_article, verify_article_page

    documents = asset(article, seeds, site)
    if not has_page(article, site):
        return documents, False
    name = article_page(article.slug)
    page = render_article(article, site, site.language or article.language)
    verify_article_page(name, page)
    documents.append((name, page))
    return documents, True


def verify_document(name: str, data: bytes) -> None:
    """The format's verifier (deep for the subscription documents), the article pages' checks, else the
    discovery documents' checks."""
    fmt = format_of(name)
    if fmt is not None:
        fmt.verify(data, name == fmt.main)
        return
    if is_asset(name):
        return  # measured by Pillow when its seed was loaded; its name is the hash of these bytes
    if article_of(name) is not None:
        from ..feeds.article import verify_article_page

        verify_article_page(name, data)
        return
    from ..feeds.discovery import verify_discovery

    verify_discovery(name, data)


def chain(fmt: Format, number: int | None, newest: int | None) -> tuple[str | None, str | None]:
    """(older, newer): the views that the view of ``fmt``'s archive page ``number`` links to (``None``: the
    subscription view), when ``newest`` is the newest archive page; ``None`` where there is nothing to link.

    >>> from seedfeed.feeds import ATOM
    >>> chain(ATOM, None, 3), chain(ATOM, 3, 3), chain(ATOM, 1, 3), chain(ATOM, None, None)
    (('archive/3.atom.html', None), ('archive/2.atom.html', 'atom.html'), (None, 'archive/2.atom.html'), (None, None))
    """
    if number is None:
        return (view_name(fmt.page(newest)) if newest is not None else None), None
    older = view_name(fmt.page(number - 1)) if number > 1 else None
    newer = view_name(fmt.page(number + 1) if newest is not None and number < newest else fmt.main)
    return older, newer


def page_extras(articles: list[Article], site: Site, page: Page, newest: int | None) -> list[Document]:
    """Archive ``page`` in the formats not rendered from fragments (JSON Feed), and the browser view of each
    of its documents, verified."""
    from ..feeds.atomrss import feed_language
    from ..feeds.html import archive_title, render_view, view_entries

    number = page.number
    assert number is not None
    language = feed_language(articles, site)
    documents = [
        (fmt.page(number), fmt.render(articles, site, language, page)) for fmt in FORMATS if fmt.render is not None
    ]
    title = archive_title(site, language, number)
    entries = view_entries(articles, site, language)  # the same in every format's view
    for fmt in FORMATS:
        name = fmt.page(number)
        older, newer = chain(fmt, number, newest)
        view = render_view(
            articles, site, language, name, fmt.media_type, title, older=older, newer=newer, entries=entries
        )
        documents.append((view_name(name), view))
    for name, data in documents:
        verify_document(name, data)
    return documents


@dataclass(frozen=True, slots=True)
class PageTask:
    """One archive page for a worker: where the state is, the settings, the page, the build's time, the
    newest archive page (for the views' links), the output directory it stages into."""

    state: Path
    site: Site
    page: Page
    now: datetime
    newest: int | None
    out: Path


def staged(out: Path, documents: list[Document]) -> list[Output]:
    """In a worker: each document staged in ``out``, but images, which go back as bytes."""
    return [(name, data if is_asset(name) else stage(out, name, data)) for name, data in documents]


_worker_links: tuple[Path, Links] | None = None  # a worker's read-only state and the links it has looked up


def _links(state: Path, pattern: str | None) -> Links:
    """In a worker: the links of the state at ``state``, kept from one task to the next of a build."""
    global _worker_links
    if _worker_links is None or _worker_links[0] != state or _worker_links[1].pattern != pattern:
        _worker_links = (state, Links(State(state, readonly=True), pattern))
    return _worker_links[1]


@dataclass(frozen=True, slots=True)
class ArticleTask:
    """Some article pages for a worker: where the state is, the settings, the seeds directory, the slugs."""

    state: Path
    site: Site
    seeds: Path
    slugs: tuple[str, ...]
    out: Path


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a worker could not publish the article ``slug``."""

    slug: str
    reason: str


def render_articles(task: ArticleTask) -> tuple[list[str], list[Output]] | Failure:
    """In a worker: :func:`articles_documents` of ``task``'s slugs, read from the state it names, staged."""
    made = articles_documents(_links(task.state, task.site.related_url), task.slugs, task.seeds, task.site)
    if isinstance(made, Failure):
        return made
    unpaged, documents = made
    return unpaged, staged(task.out, documents)  # an OSError reaches the build: not an article's fault


def articles_documents(
    links: Links, slugs: Sequence[str], seeds: Path, site: Site
) -> tuple[list[str], list[Document]] | Failure:
    """(the ``slugs`` that have no page, the images and pages of their articles, verified); or the first
    article that failed, and why. A slug has no page when its article is gone or gives its own URL: few do,
    so that is what comes back."""
    unpaged = dict.fromkeys(slugs)
    documents: list[Document] = []
    for article in links.resolve(links.state.articles(slugs).values()):
        try:
            made, has = article_documents(article, seeds, site)
        except Unpublishable as failure:
            return Failure(article.slug, failure.reason)
        except Exception as exc:  # reported in the build, which finds the article responsible
            return Failure(article.slug, f"rendering or verification failed: {exc!r}")
        documents += made
        if has:
            del unpaged[article.slug]
    return list(unpaged), documents


def render_page(task: PageTask) -> tuple[int, list[Output]] | str:
    """In a worker: (entries, every document of an archive page and their views) rendered, verified and staged;
    or why not."""
    from ..feeds.entry import Documents

    links = _links(task.state, task.site.related_url)
    try:  # rendering verifies (feeds.entry.Documents)
        assert task.page.number is not None
        articles = links.resolve(links.state.page_articles(task.page.number))
        documents = Documents(task.site, keep=0).render(articles, task.page, empty_updated=task.now)
        documents += page_extras(articles, task.site, task.page, task.newest)
    except Exception as exc:  # reported in the build, which finds the article responsible
        return f"rendering or verification failed: {exc!r}"
    return len(articles), staged(task.out, documents)
