"""A crawler for the published site: every link that points into ``feeds_url`` must answer 200 with its type.

Written once, run against ``seedfeed serve``, the documented nginx block and a
deploy to a local S3 server (``tests/test_crawl.py``). It starts at the
index page and follows, in every document it fetches:

* HTML: every ``href`` and ``src``;
* OPML: ``xmlUrl``, ``url``, ``htmlUrl``;
* Atom and RSS: every ``href``, ``url`` and ``src`` attribute (Atom ``<link>`` of any ``rel``,
  ``atom:link`` in RSS, ``<source url>``, media and enclosures) and the text of RSS ``<link>``
  and of a ``<guid>`` that is a permalink;
* JSON Feed: every member named ``*url`` (``feed_url``, ``next_url``, ``home_page_url``, an
  item's ``url``, those of ``_seedfeed``) and the images.

A link is *in the site* when it starts with the configured ``feeds_url`` (a relative one is
resolved against the document's own configured address first); only those are fetched, at
the same path on the server under test (``origin`` stands in for the scheme and host of
``feeds_url``), without following redirects. Anything else (``base_url``, a seed's own
``url:``) is counted as outside and not fetched. So an entry link becomes a followed link the
day it points into the site, with no change here.
"""

from __future__ import annotations

import http.client
import json
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree, html

from seedfeed.feeds import media_type

#: A feed reader's Accept: a feed's URL answers with the feed (a browser's would get its page).
READER = "application/atom+xml,application/rss+xml,application/feed+json,application/xml;q=0.9,*/*;q=0.1"
#: A bound on the walk: far more than any test site publishes, so a link loop cannot run away.
MAX_URLS = 5000
_XML_LINK_ATTRIBUTES = ("href", "url", "src", "xmlUrl", "htmlUrl")
_JSON_IMAGES = frozenset({"image", "banner_image", "icon", "favicon", "avatar"})


@dataclass
class Crawl:
    """What one walk found: each URL followed and its answer, the links outside, and what was wrong."""

    feeds_url: str
    statuses: dict[str, int] = field(default_factory=dict)  # URL in the site (as configured) → HTTP status
    outside: set[str] = field(default_factory=set)  # links that leave the site, not fetched
    problems: list[str] = field(default_factory=list)  # "URL (from REFERRER): what is wrong"

    def summary(self, where: str) -> str:
        """One line for the closing note: ``crawl serve default: 57 URLs followed (200: 57); 9 links outside``."""
        by_status = ", ".join(f"{status}: {n}" for status, n in sorted(Counter(self.statuses.values()).items()))
        return (
            f"crawl {where} ({self.feeds_url}): {len(self.statuses)} URLs followed ({by_status}); "
            f"{len(self.outside)} links outside the site, not fetched; {len(self.problems)} problems"
        )


def crawl(feeds_url: str, origin: str, start: str = "index.html") -> Crawl:
    """Walk the site published at ``feeds_url``, served by ``origin`` (``http://127.0.0.1:PORT``), from ``start``."""
    result = Crawl(feeds_url)
    address = urlsplit(origin)
    assert address.scheme == "http" and address.hostname and address.port, origin
    queue = deque([(feeds_url + start, "(start)")])  # (URL, the first page that linked it)
    queued = {feeds_url + start}
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        while queue:
            url, referrer = queue.popleft()
            assert len(result.statuses) < MAX_URLS, f"more than {MAX_URLS} URLs: a link loop?"
            status, content_type, body = _get(connection, _path(url))
            result.statuses[url] = status
            name = url[len(feeds_url) :]
            expected = media_type(name or "index.html")  # the bare address answers with the index
            if status != 200:
                result.problems.append(f"{url} (from {referrer}): {status}")
                continue
            if content_type != expected:
                result.problems.append(f"{url} (from {referrer}): {content_type!r}, not {expected!r}")
                continue
            for link in links(body, content_type, base=url):
                if link.startswith(feeds_url):
                    if link not in queued:
                        queued.add(link)
                        queue.append((link, url))
                else:
                    result.outside.add(link)
    finally:
        connection.close()
    return result


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[int, str, bytes]:
    """GET ``path`` on the kept-alive connection (opened again when the server closed it)."""
    for attempt in (1, 2):
        try:
            connection.request("GET", path, headers={"Accept": READER})
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def links(body: bytes, content_type: str, base: str) -> list[str]:
    """The absolute http(s) links of one document (fragments dropped), relative ones resolved against ``base``."""
    kind = content_type.split(";")[0].strip()
    if kind == "text/html":
        found, base = _html_links(body, base)
    elif kind in ("application/atom+xml", "application/rss+xml", "text/x-opml"):
        found = _xml_links(body)
    elif kind == "application/feed+json":
        found = list(_json_links(json.loads(body)))
    else:
        found = []
    absolute = (urldefrag(urljoin(base, link.strip()))[0] for link in found if link.strip())
    return [link for link in absolute if urlsplit(link).scheme in ("http", "https")]


def _html_links(body: bytes, base: str) -> tuple[list[str], str]:
    page = html.document_fromstring(body)
    declared = page.xpath("//base/@href")
    found = [str(value) for value in page.xpath("//@href | //@src")]
    return found, urljoin(base, str(declared[0])) if declared else base


def _xml_links(body: bytes) -> list[str]:
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    found: list[str] = []
    for element in root.iter(etree.Element):  # elements only: no comments, no processing instructions
        found += [element.get(name, "") for name in _XML_LINK_ATTRIBUTES if element.get(name)]
        # RSS's own <link> and a permalink <guid> (no namespace) hold their URL as text
        permalink = element.tag == "guid" and element.get("isPermaLink", "true") != "false"
        if element.tag == "link" or permalink:
            found.append(element.text or "")
    return found


def _json_links(value: object, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [link for name, item in value.items() for link in _json_links(item, str(name))]
    if isinstance(value, list):
        return [link for item in value for link in _json_links(item, key)]
    if isinstance(value, str) and (key.endswith("url") or key in _JSON_IMAGES):
        return [value]
    return []
