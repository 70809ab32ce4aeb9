"""Every name of a published file, decided here and nowhere else (pure; no feedgen).

* the subscription feeds: ``atom.xml``, ``rss.xml`` (and ``feed.json``, named
  in the format registry, :data:`seedfeed.feeds.FORMATS`);
* RFC 5005 archive page *k*, numbered from the oldest: ``archive/k.atom.xml``,
  ``archive/k.rss.xml``, and the same articles as a JSON Feed page, ``archive/k.json``;
* a topic feed: ``tags/volitve.atom.xml``, ``sources/sta.rss.xml``, its key
  the label's slug, capped (:func:`topic_key`);
* a feed's browser view: its name ending ``.html`` (``tags/volitve.rss.html``,
  ``archive/3.atom.html``, ``archive/3.html`` for ``archive/3.json``);
* discovery: ``index.html`` and ``feeds.opml``;
* an article's own page, for an article that gives no URL of its own:
  ``articles/<slug>.html`` (:func:`article_page`);
* an asset, a local file published as it is (a seed's lead image):
  ``images/<16 hex digits of its SHA-256>.<ext>`` (:func:`asset_name`).

Code that reads a name back (the deploy's order, the recovery of a lost
state, the build's check for missing pages) asks :func:`archive_number` and
:func:`is_topic`; nothing else re-derives a name with a pattern of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..ingest.slug import slugify

#: The directory of the RFC 5005 archive pages.
ARCHIVE = "archive"
#: The directory of the article pages.
ARTICLES = "articles"
#: The directory of the assets: local files published under a name made from their bytes.
ASSETS = "images"
#: Hex digits of an asset's SHA-256 in its name: 64 bits, no collision in any newsroom's lifetime.
ASSET_HASH = 16
#: The topic feeds' directories: one feed per tag, one per credited source.
TOPIC_KINDS = ("tags", "sources")
INDEX_FILE = "index.html"
OPML_FILE = "feeds.opml"
#: The JSON Feed's subscription document; its archive pages are ``archive/k.json`` (it has no topic feeds).
JSON_FILE = "feed.json"
JSON_KIND = "json"
#: The longest topic key: ``tags/<key>.atom.html`` and the publisher's ``.<name>.XXXXXXXX.tmp`` stay far
#: under the 255 bytes every common file system allows in a name (a 300-character tag once stopped a build).
TOPIC_KEY_MAX = 100
_KEY_HASH = 12  # hex digits of SHA-256 that tell two long keys with one prefix apart
#: What older versions published and this one no longer does: removed by every build that publishes.
OBSOLETE_FILES = ("feed.xsl",)  # the XSLT browser view, before browsers removed XSLT


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
        """The page's document in format ``kind`` (``atom``, ``rss``; ``json`` for a page without a topic)."""
        if self.topic is not None:
            return document_name(self.topic, kind)
        if self.number is None:
            return JSON_FILE if kind == JSON_KIND else f"{kind}.xml"
        return page_name(self.number, kind)


#: The subscription feeds' page: no number, no topic.
MAIN = Page()


def topic_key(label: str) -> str:
    """The key of a tag's or a source's topic feed: its slug, or a readable prefix and a hash when too long.

    Every topic feed's file name and URL is built from this key, so the
    entries' links to a source's feed and the feed itself always agree. A
    slug of at most :data:`TOPIC_KEY_MAX` characters is the key unchanged;
    a longer one keeps its first whole words and ends with 12 hex digits of the
    SHA-256 of the whole slug. An empty slug (a label with no letter or digit
    slugify keeps) is an empty key: no topic feed.

    >>> topic_key("Volitve 2024"), topic_key("")
    ('volitve-2024', '')
    >>> key = topic_key("Zelo dolga oznaka " * 20)  # a slug of 359 characters
    >>> len(key), key[-22:], key == topic_key("ZELO DOLGA OZNAKA " * 20)
    (95, 'elo-dolga-32e05fe83b71', True)
    """
    slug = slugify(label)
    if len(slug) <= TOPIC_KEY_MAX:
        return slug
    digest = hashlib.sha256(slug.encode("ascii")).hexdigest()[:_KEY_HASH]
    prefix = slug[: TOPIC_KEY_MAX - _KEY_HASH - 1]
    if slug[len(prefix)] != "-":  # cut inside a word: end at the last whole one, if there is one
        prefix = prefix.rpartition("-")[0] or prefix
    return f"{prefix}-{digest}"


def unit_name(kind: str, key: str) -> str:
    """``archive/3``, ``tags/volitve``: where a unit's documents live, without the format."""
    return f"{kind}/{key}"


def document_name(unit: str, kind: str) -> str:
    """``tags/volitve.rss.xml``: the file of an archive page or topic feed (``unit``) in format ``kind``."""
    return f"{unit}.{kind}.xml"


def page_name(number: int, kind: str) -> str:
    """``archive/12.atom.xml``: the file of archive page ``number`` in format ``kind`` (atom, rss, json).

    >>> page_name(12, "rss"), page_name(12, "json")
    ('archive/12.rss.xml', 'archive/12.json')
    """
    unit = unit_name(ARCHIVE, str(number))
    return f"{unit}.json" if kind == JSON_KIND else document_name(unit, kind)


def source_feed(slug: str) -> str:
    """``sources/sta.rss.xml``: our own feed of a credited source, the one an entry's ``<source>`` names."""
    return document_name(unit_name("sources", slug), "rss")


def view_name(document: str) -> str:
    """The browser view of a feed document: its name with ``.html`` for ``.xml`` or ``.json``.

    >>> [view_name(n) for n in ("atom.xml", "feed.json", "tags/volitve.rss.xml")]
    ['atom.html', 'feed.html', 'tags/volitve.rss.html']
    """
    stem = document.removesuffix(".xml").removesuffix(".json")
    if stem == document:
        raise ValueError(f"{document!r} is not a feed document")
    return f"{stem}.html"


def archive_number(name: str) -> int | None:
    """The page number of a published file of the archive (``archive/12.atom.xml`` → 12), else ``None``.

    Its JSON Feed page and every browser view belong to the page too.

    >>> [archive_number(n) for n in ("archive/12.atom.xml", "archive/3.rss.xml", "atom.xml", "archive/x.atom.xml")]
    [12, 3, None, None]
    >>> [archive_number(n) for n in ("archive/3.json", "archive/3.html", "archive/3.atom.html")]
    [3, 3, 3]
    """
    folder, slash, rest = name.partition("/")
    number, dot, _ = rest.partition(".")
    if folder != ARCHIVE or not slash or not dot or not (number.isascii() and number.isdigit()):
        return None
    return int(number) if not number.startswith("0") else None


def is_topic(name: str) -> bool:
    """True for a published file of a topic feed (``tags/…``, ``sources/…``).

    >>> is_topic("tags/volitve.rss.xml"), is_topic("archive/1.atom.xml")
    (True, False)
    """
    folder, slash, _ = name.partition("/")
    return bool(slash) and folder in TOPIC_KINDS


def topic_of(name: str) -> tuple[str, str] | None:
    """The (kind, key) of the topic feed a published file belongs to (its feeds and their views), else ``None``.

    >>> topic_of("tags/volitve.rss.xml"), topic_of("sources/sta.atom.html"), topic_of("atom.xml")
    (('tags', 'volitve'), ('sources', 'sta'), None)
    """
    if not is_topic(name):
        return None
    kind, _, rest = name.partition("/")
    key = rest.removesuffix(".xml").removesuffix(".html")
    key, dot, _ = key.rpartition(".")  # the format: volitve.rss → volitve
    return (kind, key) if dot and key else None


def article_page(slug: str) -> str:
    """``articles/<slug>.html``: the page of an article that gives no URL of its own.

    >>> article_page("2025-11-21-kim-in-putin")
    'articles/2025-11-21-kim-in-putin.html'
    """
    return f"{ARTICLES}/{slug}.html"


def article_of(name: str) -> str | None:
    """The slug of an article page's file name, else ``None``.

    >>> article_of("articles/kim.html"), article_of("archive/1.atom.xml"), article_of("articles/x/y.html")
    ('kim', None, None)
    """
    folder, slash, rest = name.partition("/")
    slug = rest.removesuffix(".html")
    if folder != ARTICLES or not slash or slug == rest or not slug or "/" in slug:
        return None
    return slug


def asset_name(sha256: str, extension: str) -> str:
    """``images/<hash>.<ext>``: the published name of a local file (a lead image, an icon) whose bytes have
    the SHA-256 ``sha256`` (hex).

    The name changes when the bytes do, so a cache may keep it forever
    (``Cache-Control: immutable``), and equal files share one name.

    >>> asset_name("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "png")
    'images/9f86d081884c7d65.png'
    """
    return f"{ASSETS}/{sha256[:ASSET_HASH]}.{extension}"


def is_asset(name: str) -> bool:
    """True for a published asset's name.

    >>> is_asset("images/9f86d081884c7d65.png"), is_asset("atom.xml"), is_asset("images/x/y.png")
    (True, False, False)
    """
    folder, slash, rest = name.partition("/")
    return folder == ASSETS and bool(slash) and bool(rest) and "/" not in rest


def publish_order(name: str) -> tuple[int, int, int, str]:
    """The order in which published files replace the old ones, on disk and in a deploy.

    A reader who fetches a file while a build or a deploy is under way must
    find every file it links to: so the assets first (images the documents
    show), then the article pages (the entries link them), then the archive pages (the newest first:
    an older page gains a link to a newer one), then the topic feeds, then
    the subscription feeds, then the index and the OPML, which link them all.
    Within each, a feed comes before its browser view, which links to it.

    >>> names = ["index.html", "atom.html", "atom.xml", "archive/1.atom.xml", "archive/2.rss.xml", "tags/x.rss.xml"]
    >>> sorted([*names, "articles/kim.html", "images/ab.png"], key=publish_order)  # doctest: +NORMALIZE_WHITESPACE
    ['images/ab.png', 'articles/kim.html', 'archive/2.rss.xml', 'archive/1.atom.xml', 'tags/x.rss.xml',
     'atom.xml', 'atom.html', 'index.html']
    """
    if is_asset(name):
        return (-1, 0, 0, name)
    if article_of(name) is not None:
        return (0, 0, 0, name)
    view = int(name.endswith(".html") and name != INDEX_FILE)
    page = archive_number(name)
    if page is not None:
        return (1, -page, view, name)
    if is_topic(name):
        return (2, 0, view, name)
    if name in (INDEX_FILE, OPML_FILE):
        return (4, 0, 0, name)
    return (3, 0, view, name)
