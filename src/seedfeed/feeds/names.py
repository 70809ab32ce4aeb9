"""Where documents live: the subscription feeds and the RFC 5005 archive pages (no feedgen here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Page:
    """Which pair of documents to render, and where it sits in the RFC 5005 archive.

    The subscription documents are ``atom.xml`` and ``rss.xml``; archive page
    *k* (numbered from the oldest) is ``archive/k.atom.xml`` and
    ``archive/k.rss.xml``; ``prev`` and ``next`` are page numbers. A topic
    feed (``topic="tags/volitve"``, ``label="volitve"``) is
    ``tags/volitve.atom.xml``: a feed of its own, with its own id and title.
    """

    number: int | None = None
    prev: int | None = None
    next: int | None = None
    topic: str | None = None
    label: str | None = None

    def name(self, kind: str) -> str:
        if self.topic is not None:
            return document_name(self.topic, kind)
        return f"{kind}.xml" if self.number is None else page_name(self.number, kind)


def document_name(unit: str, kind: str) -> str:
    """``tags/volitve.rss.xml``: the file of an archive page or topic feed (``unit``) in format ``kind``."""
    return f"{unit}.{kind}.xml"


def page_name(number: int, kind: str) -> str:
    """``archive/12.atom.xml``: the file of archive page ``number`` in format ``kind`` (atom, rss)."""
    return document_name(f"archive/{number}", kind)


MAIN = Page()
