"""Articles → their Atom ``<entry>`` and RSS ``<item>`` fragments, rendered once (pure; feedgen).

feedgen stays the renderer of record: a batch of articles is rendered as one
ordinary feed per format, verified like any feed, and cut into one fragment
per article, byte for byte as the entry sits in any document of that
format. The cut is safe because every ``<`` inside an entry's text is
escaped: a line starting ``  <entry`` (Atom) or ``    <item>`` (RSS) can only
be the start of an entry.

An entry's bytes depend on the language of the document it is in (an entry
in another language carries ``xml:lang``) and on what the document's entries
carry (the body, or the lead alone: :func:`~seedfeed.feeds.atomrss.content_mode`),
so a fragment is rendered for a document language and a content mode, and
every document of that language and mode can use it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from ..model import Article, ContentMode, Site
from . import PAGED
from .atomrss import content_mode, render_feeds
from .names import MAIN, Page
from .verify import verify_assembled

ATOM_TAIL = b"</feed>\n"
RSS_TAIL = b"  </channel>\n</rss>\n"
_ATOM_START = b"\n  <entry"
_RSS_START = b"\n    <item>"


@dataclass(frozen=True, slots=True)
class Fragment:
    """One article as it sits in a document: ``atom`` is its ``  <entry>…</entry>\\n``, ``rss`` its item."""

    atom: bytes
    rss: bytes


def render_fragments(articles: Sequence[Article], site: Site, language: str, page: Page = MAIN) -> list[Fragment]:
    """The fragments of ``articles`` (in order) for documents like ``page`` whose language is ``language``.

    One feedgen document per format for the whole batch; raises what feedgen
    raises for an article it cannot render. Of ``page``, only what its entries
    carry matters (:func:`~seedfeed.feeds.atomrss.content_mode`).
    """
    if not articles:
        return []
    return render_page(articles, site, language, page)[1]


def render_page(
    articles: Sequence[Article], site: Site, language: str, page: Page
) -> tuple[dict[str, bytes], list[Fragment]]:
    """Both documents of ``page`` holding ``articles`` (at least one), verified whole, and their fragments.

    The fragments are cut from the documents: an entry's bytes depend only on
    the article, the document language and the content mode, not on the page it is in.
    """
    documents = render_feeds(articles, replace(site, language=language), page)
    for fmt in PAGED:  # every fragment is verified once, whole, when it is rendered
        fmt.verify(documents[page.name(fmt.kind)], False)
    atom = _cut(documents[page.name("atom")], _ATOM_START, ATOM_TAIL)
    rss = _cut(documents[page.name("rss")], _RSS_START, RSS_TAIL)
    if not len(atom) == len(rss) == len(articles):
        raise ValueError(f"cut {len(atom)} Atom and {len(rss)} RSS entries from {len(articles)} articles")
    return documents, [Fragment(a, r) for a, r in zip(atom, rss, strict=True)]


def _cut(document: bytes, start: bytes, tail: bytes) -> list[bytes]:
    """The entries of ``document``: each from its line's start to the next entry or the tail."""
    if not document.endswith(tail):
        raise ValueError("unexpected end of a rendered feed")
    body_end = len(document) - len(tail)
    starts = []
    found = document.find(start, 0, body_end)
    while found >= 0:  # bytes.find, not a multi-line regex: 40 times faster on a large batch
        starts.append(found + 1)
        found = document.find(start, found + len(start), body_end)
    return [document[a:b] for a, b in zip(starts, [*starts[1:], body_end], strict=True)]


def envelope(site: Site, page: Page, language: str, updated: datetime) -> dict[str, bytes]:
    """Both documents of ``page`` with no entries: ``{file name: bytes}``, to :func:`assemble` with fragments."""
    return render_feeds([], replace(site, language=language), page, empty_updated=updated)


def assemble(name: str, shell: bytes, fragments: Sequence[Fragment]) -> bytes:
    """The document ``name`` (``….atom.xml`` or ``….rss.xml``): its empty ``shell`` with ``fragments`` inside."""
    if name.endswith("atom.xml"):
        return shell[: -len(ATOM_TAIL)] + b"".join(f.atom for f in fragments) + ATOM_TAIL
    return shell[: -len(RSS_TAIL)] + b"".join(f.rss for f in fragments) + RSS_TAIL


class FragmentStore(Protocol):
    """Where fragments outlive a build (the state database)."""

    def fragments(self, language: str, keys: dict[str, str]) -> dict[str, tuple[bytes, bytes]]: ...

    def save_fragments(self, language: str, items: Iterable[tuple[str, str, bytes, bytes]]) -> None: ...


def shelf(language: str, mode: ContentMode) -> str:
    """Where a :class:`FragmentStore` keeps the fragments for documents of ``language`` and ``mode``.

    The language itself for full entries (so a store written before there was a
    choice stays valid); ``sl/summary`` for summary entries: a language tag has
    no ``/``, and a feed of summaries beside topic feeds of full text keeps both.

    >>> shelf("sl", "full"), shelf("sl", "summary")
    ('sl', 'sl/summary')
    """
    return language if mode == "full" else f"{language}/{mode}"


def fragment_key(article: Article, site: Site, language: str, mode: ContentMode = "full") -> str:
    """The hash of what an entry is rendered from: the article (dates and resolved links
    included), the settings an entry uses (the source feeds' URLs, the site's author when
    entries carry it), the document language, the content mode and the code.

    The mode is in the key as well as in the shelf: a summary fragment is never
    taken for a full one, whichever store it comes from."""
    from .. import __version__
    from ..codec import article_to_json

    uses = (site.feeds_url, site.sources, site.author if site.entry_author else None, mode)
    text = f"{__version__}\0{uses!r}\0{language}\0{article_to_json(article)}"
    return hashlib.sha256(text.encode()).hexdigest()


class Documents:
    """Renders pairs of documents from fragments, each entry once per document language, and verifies them.

    Verification is split the way the work is: each fragment is verified
    whole when it is rendered, each envelope whole (it is small), and the
    assembled document only for what the parts cannot show (well-formed as a
    whole, unique ids). The build adds feedparser for the subscription feeds.

    Fragments are kept for reuse (the subscription and topic feeds share
    their newest entries, when their entries carry the same content) up to ``keep`` of them: archive pages are disjoint,
    so only recent fragments are worth keeping. With a ``store``, fragments
    also outlive the build: an entry whose article, links and settings are
    unchanged is not rendered again by the next build. ``entries`` and
    ``documents`` count the work done, for the build's log.
    """

    def __init__(self, site: Site, keep: int = 1024, store: FragmentStore | None = None) -> None:
        self.site = site
        self.keep = keep
        self.store = store
        self.entries = 0
        self.documents = 0
        self._kept: dict[tuple[str, str], Fragment] = {}  # (slug, shelf) → fragment

    def render(
        self, articles: Sequence[Article], page: Page, empty_updated: datetime | None = None
    ) -> list[tuple[str, bytes]]:
        """Both documents of ``page`` holding ``articles``: ``[(file name, bytes)]``."""
        from .atomrss import feed_language

        language = feed_language(articles, self.site)
        mode = content_mode(self.site, page)
        where = shelf(language, mode)
        mine = {a.slug: self._kept[a.slug, where] for a in articles if (a.slug, where) in self._kept}
        missing = [a for a in articles if a.slug not in mine]
        keys: dict[str, str] = {}
        if self.store is not None and missing:
            keys = {a.slug: fragment_key(a, self.site, language, mode) for a in missing}
            for slug, (atom, rss) in self.store.fragments(where, keys).items():
                mine[slug] = Fragment(atom, rss)
            missing = [a for a in missing if a.slug not in mine]
        self.entries += len(missing)
        self.documents += 1
        whole: dict[str, bytes] | None = None
        if articles and not mine:  # every entry is new: render the page itself, verified whole
            whole, fresh = render_page(articles, self.site, language, page)
        else:
            fresh = render_fragments(missing, self.site, language, page)
        if self.store is not None and missing:
            self.store.save_fragments(
                where, [(a.slug, keys[a.slug], f.atom, f.rss) for a, f in zip(missing, fresh, strict=True)]
            )
        for article, fragment in zip(missing, fresh, strict=True):
            mine[article.slug] = fragment
            if self.keep:
                if len(self._kept) >= self.keep:
                    del self._kept[next(iter(self._kept))]
                self._kept[article.slug, where] = fragment
        if whole is not None:
            return [(page.name(fmt.kind), whole[page.name(fmt.kind)]) for fmt in PAGED]
        fragments = [mine[a.slug] for a in articles]
        newest = max((a.updated for a in articles if a.updated), default=empty_updated)
        if newest is None:
            raise ValueError("a feed without articles needs empty_updated")
        shells = envelope(self.site, page, language, newest)
        documents = []
        for fmt in PAGED:
            name = page.name(fmt.kind)
            fmt.verify(shells[name], False)  # the envelope, whole: cheap, it has no entries
            document = assemble(name, shells[name], fragments)
            verify_assembled(document, fmt.kind)
            documents.append((name, document))
        return documents
