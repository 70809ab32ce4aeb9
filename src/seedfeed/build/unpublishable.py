"""The failure of one document that holds articles: the build then looks for the article responsible."""

from __future__ import annotations

from ..model import Article


class Unpublishable(Exception):
    """A document failed to render or verify; ``articles`` are those it holds (:mod:`.blame` tries each alone)."""

    def __init__(self, articles: list[Article], reason: str) -> None:
        super().__init__(reason)
        self.articles = articles
        self.reason = reason
