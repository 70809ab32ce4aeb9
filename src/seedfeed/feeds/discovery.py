"""What lets readers and people find the feeds (pure): ``index.html`` and ``feeds.opml``.

``index.html`` carries a ``<link rel="alternate">`` autodiscovery tag for
every subscribable feed and links to everything else published; ``feeds.opml``
(OPML 2.0) lists the same feeds for a one-step import into a reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from lxml import etree

from ..model import Site
from . import FORMATS, PAGED
from .face import icon_link
from .names import INDEX_FILE, OPML_FILE, unit_name, view_name

_MEDIA_TYPES = {fmt.kind: fmt.media_type for fmt in FORMATS}


@dataclass(frozen=True, slots=True)
class Listed:
    """One published feed: its title, file name (relative to ``feeds/``) and format."""

    title: str
    name: str
    kind: str  # a format's kind: atom, rss or json


def render_index(site: Site, feeds: Sequence[Listed], archive: Sequence[str]) -> bytes:
    """The HTML page of ``feeds/``: autodiscovery links, the feed list, the OPML and the archive pages."""
    title = escape(site.title)
    alternates = "".join(
        f'<link rel="alternate" type="{_MEDIA_TYPES[f.kind]}" title="{escape(f.title)}" href="{escape(f.name)}">\n'
        for f in feeds
    )
    items = "".join(
        f'<li><a href="{escape(f.name)}">{escape(f.title)}</a> (<a href="{escape(view_name(f.name))}">page</a>)</li>\n'
        for f in feeds
    )
    pages = "".join(
        f'<li><a href="{escape(n)}">{escape(n)}</a> (<a href="{escape(view_name(n))}">page</a>)</li>\n' for n in archive
    )
    archive_block = f"<h2>Archive (RFC 5005)</h2>\n<ul>\n{pages}</ul>\n" if archive else ""
    html = (
        f'<!DOCTYPE html>\n<html lang="{escape(site.language or "en")}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}: feeds</title>\n'
        f"{alternates}{icon_link(site)}</head>\n<body>\n<h1>{title}</h1>\n<p>{escape(site.description)}</p>\n"
        "<p>Copy a feed's address into your feed reader, or import "
        f'<a href="{OPML_FILE}">all feeds (OPML)</a> at once.</p>\n<ul>\n{items}</ul>\n{archive_block}'
        "</body>\n</html>\n"
    )
    return html.encode("utf-8")


def render_opml(site: Site, feeds: Sequence[Listed]) -> bytes:
    """OPML 2.0 listing every feed, and the index page, for a one-step import."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{site.title}: feeds"
    body = etree.SubElement(root, "body")
    for feed in feeds:
        etree.SubElement(
            body,
            "outline",
            type="rss",
            text=feed.title,
            title=feed.title,
            xmlUrl=f"{site.feeds_url}{feed.name}",
            htmlUrl=site.base_url,
            version=feed.kind.upper(),
        )
    etree.SubElement(body, "outline", type="link", text=f"{site.title}: feeds", url=f"{site.feeds_url}{INDEX_FILE}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def discovery_documents(
    site: Site, pages: Sequence[int], topics: Sequence[tuple[str, str, str]] = ()
) -> list[tuple[str, bytes]]:
    """The index page and the OPML of a build with these archive pages and topic feeds."""
    feeds = [Listed(f"{site.title} ({fmt.label})", fmt.main, fmt.kind) for fmt in FORMATS]
    for kind, key, label in topics:
        what = "tag" if kind == "tags" else "source"
        for fmt in PAGED:
            feeds.append(
                Listed(f"{site.title}: {label} ({what}, {fmt.label})", fmt.document(unit_name(kind, key)), fmt.kind)
            )
    archive = [fmt.page(number) for number in pages for fmt in FORMATS]
    return [
        (INDEX_FILE, render_index(site, feeds, archive)),
        (OPML_FILE, render_opml(site, feeds)),
    ]


def verify_discovery(name: str, data: bytes) -> None:
    """Raise ``ValueError`` unless ``data`` is an HTML page with an autodiscovery link, or OPML 2.0."""
    if name.endswith(".html"):
        from lxml import html

        if html.document_fromstring(data).find(".//link[@rel='alternate']") is None:
            raise ValueError("HTML page without autodiscovery links")
    elif name.endswith(".opml"):
        root = etree.fromstring(data)
        if root.tag != "opml" or root.get("version") != "2.0" or root.find("body/outline") is None:
            raise ValueError("not an OPML 2.0 document with outlines")
    else:
        raise ValueError(f"unknown discovery document {name!r}")
