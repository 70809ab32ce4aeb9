"""Related stories → URLs (pure): the URL somebody gave for each story, else none.

In order: the seed's own URL; the corpus article with the same title (the
first by slug); the site's ``related_url`` pattern with the title's slug,
when one is configured. Nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from ..ingest.slug import slugify
from ..model import Article, RelatedStory


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

    def url(story: RelatedStory) -> str | None:
        if story.url is not None:
            return story.url
        found = links.get(title_key(story.title))
        if found is None and pattern is not None:
            slug = slugify(story.title)
            found = pattern.replace("{slug}", slug) if slug else None
        return found

    return [replace(a, related=tuple(replace(s, url=url(s)) for s in a.related)) if a.related else a for a in articles]
