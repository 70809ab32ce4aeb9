"""Entries and related stories → URLs (pure): the URL somebody gave, else one seedfeed publishes.

An entry links, in order, to the seed's own ``url:``; else the site's
``article_url`` pattern; else the article page seedfeed publishes
(:func:`entry_link`). A related story links, in order, to the seed's own
URL; the corpus article with the same title (the first by slug); the site's
``related_url`` pattern with the title's slug, when one is configured.
Nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from ..feeds.names import article_page
from ..ingest.slug import slugify
from ..model import Article, RelatedStory, Site

#: The fields of ``site.article_url`` that come from the publication date, in the site's time zone.
DATE_FIELDS = ("{yyyy}", "{mm}", "{dd}")


def entry_link(site: Site, slug: str, published: datetime | None) -> str | None:
    """The link of an article whose seed gives no ``url:``; ``None`` until the date a pattern needs is known.

    With ``site.article_url`` that pattern, its ``{slug}`` and its date fields
    filled; without, the article page seedfeed publishes in the output.

    >>> from datetime import UTC
    >>> site = Site(article_url="https://novice.example.si/{yyyy}/{mm}/{slug}", timezone="Europe/Ljubljana")
    >>> entry_link(site, "kim", datetime(2025, 12, 31, 23, 30, tzinfo=UTC)), entry_link(site, "kim", None)
    ('https://novice.example.si/2026/01/kim', None)
    >>> entry_link(Site(), "kim", None)
    'https://example.org/feeds/articles/kim.html'
    """
    pattern = site.article_url
    if pattern is None:
        return f"{site.feeds_url}{article_page(slug)}"
    if any(f in pattern for f in DATE_FIELDS):
        if published is None:
            return None
        local = published.astimezone(ZoneInfo(site.timezone))
        pattern = pattern.replace("{yyyy}", f"{local.year:04d}").replace("{mm}", f"{local.month:02d}")
        pattern = pattern.replace("{dd}", f"{local.day:02d}")
    return pattern.replace("{slug}", slug)


def has_page(article: Article, site: Site) -> bool:
    """True when the entry links to the article page seedfeed publishes for it."""
    return article.link == f"{site.feeds_url}{article_page(article.slug)}"


def title_key(title: str) -> str:
    """Titles are compared case- and whitespace-insensitively.

    >>> title_key("  Kim Jong Un   in PUTIN ")
    'kim jong un in putin'
    """
    return " ".join(title.split()).casefold()


def cited_titles(articles: Iterable[Article]) -> set[str]:
    """The folded titles of the related stories these articles give no URL for: what the corpus may link."""
    return {title_key(s.title) for a in articles for s in a.related if s.url is None}


def resolve_related(articles: Iterable[Article], links: Mapping[str, str | None], pattern: str | None) -> list[Article]:
    """The articles with each related story's URL filled in where one is known.

    ``links`` maps a folded title to the link of the corpus article with that
    title (:func:`cited_titles` says which to look up).

    >>> a = Article("i", "s", "l", "t", "sl", ("p",), related=(RelatedStory("Kim in Putin"), RelatedStory("Drugo")))
    >>> [s.url for s in resolve_related([a], {"kim in putin": "https://x.si/kim"}, None)[0].related]
    ['https://x.si/kim', None]
    >>> [s.url for s in resolve_related([a], {}, "https://x.si/{slug}")[0].related]
    ['https://x.si/kim-in-putin', 'https://x.si/drugo']
    """

    def linked(story: RelatedStory) -> RelatedStory:
        if story.url is not None:
            return story
        found = links.get(title_key(story.title))
        if found is None and pattern is not None:
            slug = slugify(story.title)
            found = pattern.replace("{slug}", slug) if slug else None
        return story if found is None else RelatedStory(story.title, story.teaser, found, story.link_text)

    def resolved(article: Article) -> Article:
        related = tuple(map(linked, article.related))
        # Unchanged objects are kept: dataclasses.replace costs microseconds, and a build resolves every article.
        return article if related == article.related else replace(article, related=related)

    return [resolved(a) if a.related else a for a in articles]
