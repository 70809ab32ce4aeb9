"""The output formats, one registry entry each; articles → documents (``entry``: fragments and assembly).

Every module that needs to know the formats asks :data:`FORMATS`: the build
(what to render, verify and remove), the discovery page and the OPML (what
to list, with which media type) and the server (which ``Content-Type``). A
new format is one module with its renderer and verifier, and one line here.

Beside the registry: :mod:`.names` decides every published file's name;
:mod:`.atomrss` renders Atom and RSS with feedgen, :mod:`.entry` renders
each entry once and assembles documents from the fragments, :mod:`.jsonfeed`
and :mod:`.html` (the browser views) and :mod:`.discovery` (index, OPML)
render the rest, :mod:`.content` is an entry's HTML, :mod:`.verify` checks
a document before it may be published.

Nothing heavy is imported here: a build with nothing to do loads the
registry without feedgen or feedparser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .names import INDEX_FILE, JSON_FILE, MAIN, OPML_FILE, Page, archive_number, document_name, page_name, view_name

if TYPE_CHECKING:
    from ..model import Article, Site


class Renderer(Protocol):
    """Renders a format's document of ``page`` (the subscription document, or an archive page) → bytes."""

    def __call__(self, articles: Sequence[Article], site: Site, language: str, page: Page = MAIN) -> bytes: ...


def _verify_atom(data: bytes, deep: bool) -> None:
    from .verify import verify_feed

    verify_feed(data, "atom", deep=deep)


def _verify_rss(data: bytes, deep: bool) -> None:
    from .verify import verify_feed

    verify_feed(data, "rss", deep=deep)


def _verify_json(data: bytes, deep: bool) -> None:
    from .jsonfeed import verify_json_feed

    verify_json_feed(data)


def _render_json(articles: Sequence[Article], site: Site, language: str, page: Page = MAIN) -> bytes:
    from .jsonfeed import render_json_feed

    return render_json_feed(articles, site, language, page)


@dataclass(frozen=True, slots=True)
class Format:
    """One output format.

    ``main`` is its subscription document. Every format has archive pages
    (:meth:`page`). A ``paged`` format also has a feed per tag and per source, named
    ``<unit>.<kind>.xml`` (``archive/3.atom.xml``, ``tags/volitve.rss.xml``).
    ``verify(document, deep)`` raises unless the document may be published;
    ``deep`` adds the slow checks kept for the subscription documents.
    ``render`` writes the subscription document of a format that is not
    paged (its subscription document and its archive pages); the paged
    formats (Atom and RSS) are rendered together, entry by entry, from
    fragments (:mod:`seedfeed.feeds.entry`). A new format that is not paged
    is one module with its renderer and verifier, and one line here.
    """

    kind: str
    label: str
    main: str
    media_type: str
    paged: bool
    verify: Callable[[bytes, bool], None]
    render: Renderer | None = None

    def document(self, unit: str | None = None) -> str:
        """The file of ``unit`` (``archive/3``, ``tags/volitve``) in this format, or the subscription document.

        >>> ATOM.document(), ATOM.document("archive/3"), JSON_FEED.document()
        ('atom.xml', 'archive/3.atom.xml', 'feed.json')
        """
        if unit is None:
            return self.main
        if not self.paged:
            raise ValueError(f"{self.label} has no archive pages or topic feeds")
        return document_name(unit, self.kind)

    def page(self, number: int) -> str:
        """The file of archive page ``number`` in this format.

        >>> ATOM.page(3), JSON_FEED.page(3)
        ('archive/3.atom.xml', 'archive/3.json')
        """
        return page_name(number, self.kind)


ATOM = Format("atom", "Atom", "atom.xml", "application/atom+xml", paged=True, verify=_verify_atom)
RSS = Format("rss", "RSS", "rss.xml", "application/rss+xml", paged=True, verify=_verify_rss)
JSON_FEED = Format(
    "json", "JSON Feed", JSON_FILE, "application/feed+json", paged=False, verify=_verify_json, render=_render_json
)

#: Every output format, in the order the discovery page lists them.
FORMATS: tuple[Format, ...] = (ATOM, RSS, JSON_FEED)
#: The formats with archive pages and topic feeds.
PAGED: tuple[Format, ...] = tuple(f for f in FORMATS if f.paged)


def format_of(name: str) -> Format | None:
    """The format of a published file name, or ``None`` for a file that is not a feed.

    >>> [getattr(format_of(n), "kind", None) for n in ("rss.xml", "tags/x.atom.xml", "feed.json", "index.html")]
    ['rss', 'atom', 'json', None]
    >>> [getattr(format_of(n), "kind", None) for n in ("archive/3.json", "archive/3.html", "archive/3.atom.html")]
    ['json', None, None]
    """
    number = archive_number(name)
    for fmt in FORMATS:
        if name == fmt.main or (fmt.paged and name.endswith(f".{fmt.kind}.xml")):
            return fmt
        if number is not None and name == fmt.page(number):
            return fmt
    return None


#: What every complete build has published: each format's subscription document, its browser view,
#: and the discovery documents.
FEED_FILES: tuple[str, ...] = (
    *(fmt.main for fmt in FORMATS),
    *(view_name(fmt.main) for fmt in FORMATS),
    INDEX_FILE,
    OPML_FILE,
)

_OTHER_TYPES = {  # after the feed formats of the registry: the other files a build publishes
    ".xml": "application/xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    # The assets (feeds.names.asset_name): the lead images, by the extension their format gave them.
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
}

#: An asset is named by its bytes' hash (:func:`.names.asset_name`): no cache needs to ask for it again.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"


def media_type(name: str) -> str:
    """The Content-Type of a published file: one table for the server and the deploy.

    >>> media_type("tags/volitve.atom.xml")
    'application/atom+xml; charset=utf-8'
    """
    fmt = format_of(name)
    if fmt is not None:
        return f"{fmt.media_type}; charset=utf-8"
    for suffix, kind in _OTHER_TYPES.items():
        if name.endswith(suffix):
            return kind
    return "application/octet-stream"
