"""Articles → Atom 1.0 and RSS 2.0 bytes, with feedgen (pure; the only module that imports it).

feedgen 1.0 needs four corrections, made here and nowhere else:

* every date defaults to "now": all of them are set from the articles;
* ``add_entry`` prepends: entries are added with ``order='append'`` in our order;
* entry links lose ``rel``, ``type`` and ``title`` (lkiesow/python-feedgen#135):
  the :class:`_EntryExtension` writes the alternate and related links itself;
* there is no ``media:credit``: the same extension writes it.

Titles are plain text, as the seed wrote them: Atom titles are ``type="text"``
and RSS writes ``&`` and ``<`` in them as hexadecimal character references
(:func:`_plain_text_references`), as the RSS Best Practices Profile and the
W3C validator ask.

feedgen formats RFC 822 dates by switching the process-wide locale, so render
on one thread at a time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from .. import __version__
from ..model import Article, ContentMode, Image, Site
from . import ATOM, PAGED
from .content import content_html
from .face import rss_image
from .names import MAIN, Page, page_name, source_feed, topic_key

MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
DCTERMS_NS = "http://purl.org/dc/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: The RSS elements whose text is plain (not HTML) and may hold a seed's words: with no child
#: element, so the text between the tags holds no raw "<" (lxml escapes it).
_PLAIN_RSS = re.compile(rb"(<(title|source|category)(?: [^>]*)?>)([^<]*)(</\2>)")
#: lxml's escapes → the character references the RSS profile asks for in plain text.
_REFERENCES = ((b"&amp;", b"&#x26;"), (b"&lt;", b"&#x3C;"))

FH_NS = "http://purl.org/syndication/history/1.0"

#: ``media:credit`` roles from the EBU list the W3C validator checks (``media.py``, exact and
#: lower case). A source (an agency, a portal) supplied the story: "distribution company".
#: Atom and RSS allow one ``source`` per entry and the validator refuses a second
#: ``dc:source``, so every credited source is a ``media:credit``, the first also the ``source``.
_EBU_ROLES = {"photo": "photographer", "source": "distribution company"}

ATOM_FILE = "atom.xml"
RSS_FILE = "rss.xml"


def feed_language(articles: Sequence[Article], site: Site) -> str:
    """The configured language, else the most common one among the articles (ties: alphabetical).

    A build sets ``site.language`` to the language it decided for the whole
    corpus (:meth:`seedfeed.store.state.State.corpus_language`), so that every
    document of one feed declares the same one; the vote here is for callers
    that render a handful of articles on their own.
    """
    if site.language:
        return site.language
    counts = Counter(a.language for a in articles)
    if not counts:
        return "en"
    return min(counts, key=lambda lang: (-counts[lang], lang))


def content_mode(site: Site, page: Page) -> ContentMode:
    """What the entries of ``page``'s documents carry: ``site.topic_content`` in a topic feed (when set),
    else ``site.content``; archive pages continue the subscription feeds, so they carry what those do."""
    if page.topic is not None and site.topic_content is not None:
        return site.topic_content
    return site.content


def render_feeds(
    articles: Sequence[Article], site: Site, page: Page = MAIN, *, empty_updated: datetime | None = None
) -> dict[str, bytes]:
    """Both documents of ``page`` holding ``articles``, in the order given: ``{file name: bytes}``.

    Every article must have ``published`` and ``updated`` set. A page whose
    articles were all deleted needs ``empty_updated`` for its feed date.
    """
    generator = _generator(articles, site, empty_updated, page, content_mode(site, page))
    documents = {}
    for fmt in PAGED:
        kind = fmt.kind
        _links(generator, site, page.name(kind), fmt.media_type)
        generator.seedfeed.history = _history(site, page, kind)
        name = page.name(kind)
        if fmt is ATOM:
            documents[name] = generator.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
        else:
            documents[name] = _plain_text_references(
                generator.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
            )
    return documents


def _plain_text_references(rss: bytes) -> bytes:
    """``rss`` with ``&`` and ``<`` in its titles, source names and categories as ``&#x26;`` and ``&#x3C;``.

    RSS cannot say that a title is text rather than HTML. The RSS Best Practices
    Profile asks plain text to carry these two as hexadecimal character references,
    which the W3C validator looks for (``CharacterData``); every XML reader reads
    them as the same characters.
    """

    def encode(match: re.Match[bytes]) -> bytes:
        text = match[3]
        for escaped, reference in _REFERENCES:
            text = text.replace(escaped, reference)
        return match[1] + text + match[4]

    return _PLAIN_RSS.sub(encode, rss)


def source_url(site: Site, name: str) -> str:
    """The URL of a credited source's feed: configured (``[sources]``), else our own per-source feed."""
    return dict(site.sources).get(name) or f"{site.feeds_url}{source_feed(topic_key(name))}"


def _history(site: Site, page: Page, kind: str) -> list[tuple[str, str]]:
    """RFC 5005 links of one document: ``[(rel, href), …]``; an archive page also gets ``fh:archive``."""
    links = []
    if page.number is not None:
        links.append(("current", f"{site.feeds_url}{MAIN.name(kind)}"))
    if page.prev is not None:
        links.append(("prev-archive", f"{site.feeds_url}{page_name(page.prev, kind)}"))
    if page.next is not None:
        links.append(("next-archive", f"{site.feeds_url}{page_name(page.next, kind)}"))
    return links


def _links(fg: FeedGenerator, site: Site, name: str, media_type: str) -> None:
    """Each document's own ``rel="self"``; the RSS channel <link> is the *last* link: alternate.

    The WebSub hub link is written by :class:`_FeedExtension`: feedgen drops it from RSS.
    """
    fg.link(href=f"{site.feeds_url}{name}", rel="self", type=media_type, replace=True)
    fg.link(href=site.base_url, rel="alternate", type="text/html")


def _generator(
    articles: Sequence[Article], site: Site, empty_updated: datetime | None, page: Page, mode: ContentMode
) -> FeedGenerator:
    language = feed_language(articles, site)
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("seedfeed", _FeedExtension, _EntryExtension)
    fg.seedfeed.hub = site.hub
    fg.seedfeed.face = (site.icon, site.logo, rss_image(site))
    # Slugs have no "/": a feed id is never an entry's. Archive pages share the main feed's id.
    fg.id(f"{site.id_prefix}feeds/{page.topic or 'main'}")
    fg.title(f"{site.title}: {page.label}" if page.label else site.title)
    fg.seedfeed.channel = (fg.title(), site.base_url)
    fg.subtitle(site.description)
    fg.author({"name": site.author})
    fg.language(language)
    fg.generator("seedfeed", version=__version__, uri="https://pypi.org/project/seedfeed/")
    newest = max((_required(a.updated, a) for a in articles), default=empty_updated)
    if newest is None:
        raise ValueError("a feed without articles needs empty_updated")
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for article in articles:
        _add_entry(fg, article, site, language, mode)
    return fg


def _required(value: datetime | None, article: Article) -> datetime:
    if value is None:
        raise ValueError(f"{article.slug}: dates must be set before rendering")
    return value


def _add_entry(fg: FeedGenerator, article: Article, site: Site, feed_lang: str, mode: ContentMode) -> None:
    fe = fg.add_entry(order="append")
    fe.id(article.id)
    fe.guid(article.id, permalink=False)
    fe.title(article.title)
    fe.link(href=article.link, rel="alternate")
    fe.published(_required(article.published, article))
    fe.updated(_required(article.updated, article))
    # HTML-escaped in both formats: RSS <description> is HTML by convention, so
    # text that looks like markup must reach readers as text.
    fe.summary(escape(article.lead, quote=False), type="html")
    if mode == "full":  # a summary entry is its lead alone: no Atom content, no RSS content:encoded
        fe.content(content_html(article), type="html")
    authors = [c.name for c in article.credits_by("author")]
    if not authors and site.entry_author:  # readers such as newsboat do not inherit the feed's author
        authors = [site.author]
    for name in authors:
        fe.author({"name": name})
        fe.dc.dc_creator(name)
    for credit in article.credits_by("photo"):
        fe.contributor({"name": credit.name})
        fe.dc.dc_contributor(credit.name)
    sources = article.credits_by("source")
    if sources:
        fe.source(url=source_url(site, sources[0].name), title=sources[0].name)
    for tag in article.tags:
        fe.category(term=tag, label=tag)
    fe.seedfeed.set(article, feed_lang)


class _FeedExtension(BaseExtension):  # type: ignore[misc]
    """Feed-level links feedgen cannot write (WebSub hub, RFC 5005 history) and ``fh:archive``."""

    hub: str | None = None
    history: list[tuple[str, str]] = []  # noqa: RUF012 -- replaced, never mutated
    face: tuple[Image | None, Image | None, Image | None] = (None, None, None)  # icon, logo, RSS image
    channel: tuple[str, str] = ("", "")  # the feed's title and link, which RSS's <image> repeats

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS, "dcterms": DCTERMS_NS, "fh": FH_NS}

    def _links(self) -> list[tuple[str, str]]:
        return ([("hub", self.hub)] if self.hub else []) + self.history

    def extend_atom(self, feed: Any) -> Any:
        anchor = feed.find("link")
        for rel, href in self._links():
            anchor.addprevious(etree.Element("link", rel=rel, href=href))
        if any(rel == "current" for rel, _ in self.history):
            anchor.addprevious(etree.Element(f"{{{FH_NS}}}archive"))
        for tag, picture in zip(("icon", "logo"), self.face[:2], strict=True):
            if picture is not None:
                element = etree.Element(tag)
                element.text = picture.url
                anchor.addprevious(element)
        return feed

    def extend_rss(self, rss: Any) -> Any:
        # Channel metadata must come before the first item ("MisplacedItem"): after the self link.
        anchor = rss.find("channel").find(f"{{{ATOM_NS}}}link")
        for rel, href in reversed(self._links()):
            anchor.addnext(etree.Element(f"{{{ATOM_NS}}}link", rel=rel, href=href))
        if any(rel == "current" for rel, _ in self.history):
            anchor.addnext(etree.Element(f"{{{FH_NS}}}archive"))
        if (picture := self.face[2]) is not None:
            anchor.addnext(_rss_image(picture, *self.channel))
        return rss


def _rss_image(picture: Image, title: str, link: str) -> Any:
    """RSS's ``<image>``: its URL, the channel's own title and link (as RSS 2.0 asks), and its size if measured."""
    image = etree.Element("image")
    parts = [("url", picture.url), ("title", title), ("link", link)]
    if picture.width is not None and picture.height is not None:
        parts += [("width", str(picture.width)), ("height", str(picture.height))]
    for tag, text in parts:
        etree.SubElement(image, tag).text = text
    return image


class _EntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Writes what feedgen cannot: typed alternate and related links, media credits, languages."""

    def __init__(self) -> None:
        self._article: Article | None = None
        self._feed_lang = ""

    def set(self, article: Article, feed_lang: str) -> None:
        self._article = article
        self._feed_lang = feed_lang

    def extend_ns(self) -> dict[str, str]:
        return _FeedExtension().extend_ns()

    def extend_atom(self, entry: Any) -> Any:
        article = self._require()
        for link in entry.findall("link"):  # feedgen drops rel: restore it
            link.set("rel", "alternate")
            link.set("type", "text/html")
        anchor = entry.find("summary")
        for story in article.related:
            if story.url is not None:  # a story nobody gave a URL for has no link
                link = etree.Element("link", rel="related", type="text/html", href=story.url, title=story.title)
                anchor.addprevious(link)
        if article.language != self._feed_lang:
            entry.set(XML_LANG, article.language)
        source = entry.find("source")
        if source is not None:  # the W3C validator wants id and updated in atom:source
            href = source.find("link").get("href")
            source.find("link").set("rel", "alternate")
            etree.SubElement(source, "id").text = href
            etree.SubElement(source, "updated").text = _require_date(article.updated).isoformat()
        self._media(entry)
        return entry

    def extend_rss(self, item: Any) -> Any:
        article = self._require()
        for story in article.related:
            if story.url is not None:
                etree.SubElement(
                    item, f"{{{ATOM_NS}}}link", rel="related", type="text/html", href=story.url, title=story.title
                )
        # RSS has no item "updated": dcterms:modified carries it (feedparser: entry.updated).
        etree.SubElement(item, f"{{{DCTERMS_NS}}}modified").text = _require_date(article.updated).isoformat()
        if article.language != self._feed_lang:
            etree.SubElement(item, "{http://purl.org/dc/elements/1.1/}language").text = article.language
        image = article.image
        if image is not None and image.length is not None and image.media_type is not None:
            # RSS 2.0 requires url, length and type: only a local image has a length anybody measured.
            etree.SubElement(item, "enclosure", url=image.url, length=str(image.length), type=image.media_type)
        self._media(item)
        return item

    def _media(self, parent: Any) -> None:
        """The lead image (``media:content`` with its alt text, credit and thumbnail), then the credits.

        The image's credit is its ``media:credit``: the entry's photo credits
        are written apart only when there is no image they could belong to.
        """
        article = self._require()
        image = article.image
        if image is not None:
            parent.append(media_content(image))
        for credit in article.credits:  # every photo and every source, in the seed's order
            role = _EBU_ROLES.get(credit.role)
            if role is not None and not (image is not None and credit.role == "photo"):
                node = etree.SubElement(parent, f"{{{MEDIA_NS}}}credit", role=role, scheme="urn:ebu")
                node.text = credit.name

    def _require(self) -> Article:
        if self._article is None:
            raise ValueError("entry extension used before set()")
        return self._article


def media_content(image: Image) -> Any:
    """``media:content`` of a lead image: url, type and size where known, ``medium="image"``; its alt text
    (``media:description``), its credit (``media:credit``) and itself as its thumbnail (``media:thumbnail``)."""
    node = etree.Element(f"{{{MEDIA_NS}}}content", url=image.url)
    if image.media_type is not None:
        node.set("type", image.media_type)
    if image.length is not None:
        node.set("fileSize", str(image.length))
    node.set("medium", "image")
    size = {"width": str(image.width), "height": str(image.height)} if image.width and image.height else {}
    for key, value in size.items():
        node.set(key, value)
    if image.alt:
        etree.SubElement(node, f"{{{MEDIA_NS}}}description", type="plain").text = image.alt
    if image.credit:
        credit = etree.SubElement(node, f"{{{MEDIA_NS}}}credit", role="photographer", scheme="urn:ebu")
        credit.text = image.credit
    etree.SubElement(node, f"{{{MEDIA_NS}}}thumbnail", {"url": image.url, **size})
    return node


def _require_date(value: datetime | None) -> datetime:
    if value is None:
        raise ValueError("dates must be set before rendering")
    return value
