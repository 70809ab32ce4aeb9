"""What one article may contribute to the feeds (pure): the damage a seed can do is bounded.

An 840 KB seed with 60,000 related-story lines once made a 13 MB ``atom.xml``
and a 15 MB ``feed.json``, and every rebuild then took 24.5 s and 293 MB. The
limits in :class:`~seedfeed.model.Limits` keep one article's share of every
document small, whatever lands in ``seeds/``.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import SeedError
from ..feeds.content import content_html
from ..model import Article, Limits


def within_limits(article: Article, limits: Limits, where: str) -> tuple[Article, list[str]]:
    """The article cut to ``limits``, and a warning for each cut; :class:`SeedError` if it must be rejected.

    >>> from ..model import RelatedStory
    >>> a = Article("i", "s", "l", "t", "sl", ("p",), related=tuple(RelatedStory(f"R{n}") for n in range(3)))
    >>> cut, notes = within_limits(a, Limits(related=2), "x.txt")
    >>> [s.title for s in cut.related], notes
    (['R0', 'R1'], ['x.txt: 3 related stories; the first 2 are published (limits.related)'])
    """
    if len(article.paragraphs) > limits.paragraphs:
        raise SeedError(
            where,
            f"too many paragraphs: {len(article.paragraphs)} (the limit is {limits.paragraphs}: limits.paragraphs)",
        )
    notes: list[str] = []
    if len(article.related) > limits.related:
        count = len(article.related)
        notes.append(f"{where}: {count} related stories; the first {limits.related} are published (limits.related)")
        article = replace(article, related=article.related[: limits.related])
    if len(article.credits) > limits.credits:
        notes.append(
            f"{where}: {len(article.credits)} credits; the first {limits.credits} are published as credits"
            " (limits.credits)"
        )
        article = replace(article, credits=article.credits[: limits.credits])
    if len(article.credit_lines) > limits.credits:  # the lines as written: as many lines as credits
        article = replace(article, credit_lines=article.credit_lines[: limits.credits])
    if len(article.tags) > limits.tags:
        notes.append(f"{where}: {len(article.tags)} tags; the first {limits.tags} are published (limits.tags)")
        article = replace(article, tags=article.tags[: limits.tags])
    size = len(content_html(article).encode())
    if size > limits.entry_bytes:
        raise SeedError(
            where, f"entry too large: {size} bytes of content (the limit is {limits.entry_bytes}: limits.entry_bytes)"
        )
    return article, notes
