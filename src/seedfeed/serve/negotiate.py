"""Which representation a request gets, and whether it gets one at all (pure).

Content negotiation between a feed and its browser view (``Accept``), gzip
(``Accept-Encoding``), and conditional GET: a strong ETag from the bytes,
``Last-Modified``, and ``If-None-Match``, which wins over
``If-Modified-Since`` (RFC 9110 §13.1.3).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

Environ = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Entity:
    """One file's response, computed once per version of the file."""

    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str
    last_modified: str
    mtime: float
    content_type: str


def make_entity(body: bytes, mtime: float, content_type: str) -> Entity:
    digest = hashlib.sha256(body).hexdigest()[:32]
    return Entity(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),  # mtime=0: the same bytes give the same gzip
        etag=f'"{digest}"',
        gzip_etag=f'"{digest}-gz"',
        last_modified=formatdate(mtime, usegmt=True),
        mtime=int(mtime),
        content_type=content_type,
    )


def prefers_html(accept: str, feed_type: str) -> bool:
    """Whether a client sending ``Accept: accept`` wants a page rather than the feed (``feed_type``).

    A browser lists ``text/html`` first; a feed reader lists its feed types,
    at most ``*/*`` after them. HTML wins only with a higher quality than the
    feed's own type and the generic XML types.

    >>> chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    >>> reader = "application/atom+xml,application/rss+xml,application/xml;q=0.9,*/*;q=0.1"
    >>> [prefers_html(a, "application/atom+xml") for a in (chromium, reader, "", "text/html;q=0")]
    [True, False, False, False]
    """
    html = feed = 0.0
    for part in accept.split(",")[:64]:  # a hostile header costs a bounded loop
        kind, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        kind = kind.strip().lower()
        if kind == "text/html":
            html = max(html, quality)
        elif kind in (feed_type, "application/xml", "text/xml", "application/json"):
            feed = max(feed, quality)
    return html > 0 and html > feed


def not_modified(environ: Environ, entity: Entity) -> bool:
    """RFC 9110 §13.1.3: If-None-Match, when present, decides; else If-Modified-Since."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or bool(tags & {entity.etag, entity.gzip_etag})
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since:
        try:
            return entity.mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


def accepts_gzip(header: str) -> bool:
    """Whether ``Accept-Encoding`` lets us send gzip: ``gzip`` if listed decides, else ``*`` (RFC 9110 §12.5.3).

    An explicit coding is more specific than the wildcard, whatever their order.
    No header, or ``identity`` only, means no gzip: the plain bytes are always acceptable.

    >>> [accepts_gzip(h) for h in ("*;q=0, gzip", "gzip;q=0, *", "*", "identity", "br, gzip;q=0.5", "")]
    [True, False, True, False, True, False]
    """
    weights: dict[str, float] = {}
    for coding in header.split(","):
        name, *params = coding.split(";")
        name = name.strip().lower()
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0  # an unreadable weight is no permission
        weights.setdefault("gzip" if name == "x-gzip" else name, q)  # x-gzip is gzip (RFC 9110 §8.4.1.3)
    return weights.get("gzip", weights.get("*", 0.0)) > 0
