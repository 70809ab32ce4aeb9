"""Feed bytes → nothing, or a :class:`VerifyError` saying what is wrong (pure).

What every document must pass before it replaces a published one:

* well-formed XML (lxml);
* feedparser reads it with ``bozo == 0``;
* Atom: the RELAX NG schema of RFC 4287, plus the rules the schema leaves
  out: dates carry a time zone, every entry has an author (or the feed has
  one) and content or an alternate link, ids are unique;
* RSS: the channel has title, link and description; every item a title or a
  description and a unique guid; every date is an English RFC 822 date.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
_RFC3339_TZ = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)


class VerifyError(ValueError):
    """A rendered document that must not be published, and why."""


@cache
def atom_schema() -> etree.RelaxNG:
    """The RELAX NG schema of RFC 4287 (Appendix B), shipped inside the package."""
    source = files("seedfeed.feeds").joinpath("schemas/atom.rng").read_bytes()
    return etree.RelaxNG(etree.fromstring(source))


def verify_feed(data: bytes, kind: str, *, deep: bool = True) -> None:
    """Check one rendered document; ``kind`` is ``"atom"`` or ``"rss"``.

    ``deep`` adds the feedparser round trip. Builds use it for the
    subscription feeds; archive pages, thousands of them in a large archive,
    get every other check (XML, RELAX NG, the RFC rules), and the feedparser
    round trip of archive pages is run by the tests instead.
    """
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        raise VerifyError(f"not well-formed XML: {exc}") from None
    if kind == "atom":
        _verify_atom(root)
    elif kind == "rss":
        _verify_rss(root)
    else:
        raise ValueError(f"unknown feed kind {kind!r}")
    if deep:
        _verify_feedparser(data)


def verify_assembled(data: bytes, kind: str) -> None:
    """The cheap check of a document assembled from verified parts: well-formed, entry ids unique.

    Its envelope and each of its entries were verified whole when they were
    rendered (:mod:`seedfeed.feeds.entry`); what only the whole can get wrong
    is its XML as a whole and an id shared by two entries.
    """
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        raise VerifyError(f"not well-formed XML: {exc}") from None
    if kind == "atom":
        ids = [entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")]
    else:
        ids = [item.findtext("guid") for item in root.iter("item")]
    if len(ids) != len(set(ids)):
        raise VerifyError("an entry id is not unique")


def _verify_feedparser(data: bytes) -> None:
    import feedparser  # heavy: imported only when something is verified

    # bozo is about the XML and the feed, not the entries' HTML: sanitising and resolving that
    # HTML would only cost (half of feedparser's time on a 50-entry feed) without changing bozo.
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo:
        raise VerifyError(f"feedparser: {parsed.get('bozo_exception')}")


def _verify_atom(root: etree._Element) -> None:
    schema = atom_schema()
    if not schema.validate(root):
        raise VerifyError(f"Atom RELAX NG: {schema.error_log.last_error}")
    for node in root.iter(f"{ATOM}updated", f"{ATOM}published"):
        if not _RFC3339_TZ.match(node.text or ""):
            raise VerifyError(f"Atom date without a time zone: {node.text!r}")
    feed_has_author = root.find(f"{ATOM}author") is not None
    ids: set[str] = set()
    for entry in root.iter(f"{ATOM}entry"):
        entry_id = entry.findtext(f"{ATOM}id") or ""
        if entry_id in ids:
            raise VerifyError(f"Atom entry id {entry_id!r} is not unique")
        ids.add(entry_id)
        if not feed_has_author and entry.find(f"{ATOM}author") is None:
            raise VerifyError(f"Atom entry {entry_id!r} has no author and the feed has none")
        alternate = any(link.get("rel", "alternate") == "alternate" for link in entry.iter(f"{ATOM}link"))
        if entry.find(f"{ATOM}content") is None and not alternate:
            raise VerifyError(f"Atom entry {entry_id!r} has neither content nor an alternate link")


def _verify_rss(root: etree._Element) -> None:
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        raise VerifyError("not an RSS 2.0 document")
    for name in ("title", "link", "description"):
        if not channel.findtext(name):
            raise VerifyError(f"RSS channel has no {name}")
    for node in root.iter("pubDate", "lastBuildDate"):
        if not _RFC822.match(node.text or ""):
            raise VerifyError(f"RSS date is not an English RFC 822 date: {node.text!r}")
    guids: set[str] = set()
    for item in channel.iter("item"):
        if not (item.findtext("title") or item.findtext("description")):
            raise VerifyError("RSS item has neither title nor description")
        guid = item.findtext("guid") or ""
        if not guid or guid in guids:
            raise VerifyError(f"RSS item guid {guid!r} is missing or not unique")
        guids.add(guid)
