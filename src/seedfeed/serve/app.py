"""``seedfeed serve``: a WSGI app for the output directory, run by waitress.

What a polling aggregator needs, cheaply: a strong ETag from the bytes, a
``Last-Modified``, ``304 Not Modified`` for ``If-None-Match`` (which wins over
``If-Modified-Since``, RFC 9110 §13.1.3), gzip with ``Vary: Accept-Encoding``,
and the feed media types. Responses are cached in memory by (inode, size,
mtime): a rebuild swaps files with ``os.replace``, which changes the inode,
so a request gets the old document or the new one, whole.

The files are served under one path, the ``mount`` (the path of
``site.feeds_url``, ``/feeds/`` by default), so every address the documents
carry resolves: ``/feeds/atom.xml`` is ``feeds/atom.xml``. ``/`` and the
mount without its slash redirect to the mount, whose ``index.html`` a person
then meets; any other path outside it is 404. Only regular, non-hidden files
under the output directory are served: ``..`` (also percent-encoded),
absolute paths and symlinks that leave it are 404.
Which representation a request gets is :mod:`.negotiate`'s; the server
around the app, :mod:`.server`'s.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from ..feeds import format_of, media_type
from ..feeds.names import view_name
from .negotiate import Entity, Environ, accepts_gzip, make_entity, not_modified, prefers_html

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

log = logging.getLogger(__name__)

MAX_URI = 8192
_ALLOWED = "GET, HEAD"


#: Bytes of responses kept in memory (bodies and their gzip), least recently used out first.
CACHE_BYTES = 64 * 1024 * 1024


class Published:
    """The names of the files the builds published, read from the state database (read-only).

    Read again only when the database file changes (one ``stat`` a request):
    a build running in this process or another one is seen at its next commit.
    """

    def __init__(self, state: Path) -> None:
        self.state = state
        self._seen: tuple[int, int, int] | None = None
        self._names: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def names(self) -> frozenset[str]:
        try:
            info = os.stat(self.state)  # noqa: PTH116 -- a str path, once a request
        except OSError:
            return frozenset()  # nothing published yet
        seen = (info.st_ino, info.st_size, info.st_mtime_ns)
        with self._lock:
            if seen != self._seen:
                from ..store.state import State

                try:
                    with State(self.state, readonly=True) as state:
                        self._names = frozenset(state.published())
                    self._seen = seen
                except sqlite3.Error as exc:  # a build committing now: the last names stand until it is done
                    log.debug("%s: not read (%s); serving the files published before", self.state, exc)
            return self._names


class FeedApp:
    """The WSGI application: static files of ``root`` with HTTP caching done right.

    With ``published``, only the files the builds published are served: not
    the state, the configuration, the seeds, a temporary or stray file,
    whatever else lies in the directory. Responses are cached by the file
    they come from (``/atom.xml`` and ``/atom.xml//`` share one entry), at
    most ``cache_bytes`` of them. ``mount`` is the URL path the directory is
    served under, as a URL writes it (percent-encoded, ending in ``/``).
    """

    def __init__(
        self,
        root: Path,
        *,
        max_age: int = 300,
        title: str = "seedfeed",
        published: Published | None = None,
        cache_bytes: int = CACHE_BYTES,
        mount: str = "/",
    ) -> None:
        if not mount.startswith("/") or not mount.endswith("/"):
            raise ValueError(f"mount {mount!r}: a URL path beginning and ending with /")
        self.root = root
        self.mount = mount
        # WSGI's PATH_INFO is the decoded path, its bytes as latin-1 (PEP 3333): compare with the same
        self._mount_path = unquote_to_bytes(mount).decode("latin-1")
        self.max_age = max_age
        self.title = title
        self.published = published
        self.cache_bytes = cache_bytes
        # file (relative to root) → (resolved file, its (inode, size, mtime), the response built from it)
        self._cache: OrderedDict[str, tuple[str, tuple[int, int, int], Entity]] = OrderedDict()
        self._cached = 0  # bytes held by the cache
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if not str(environ.get("SERVER_PROTOCOL", "HTTP/1.1")).startswith("HTTP/1."):
            return _plain(start_response, "505 HTTP Version Not Supported", method)
        if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URI:
            return _plain(start_response, "414 URI Too Long", method)
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", method, [("Allow", _ALLOWED)])
        path = str(environ.get("PATH_INFO", "/")) or "/"
        if self._mount_path != "/":
            if path in ("/", self._mount_path[:-1]):
                return self._redirect(start_response, method)
            if not path.startswith(self._mount_path):
                return _plain(start_response, "404 Not Found", method)
            path = path[len(self._mount_path) - 1 :]  # "/feeds/tags/x.xml" → "/tags/x.xml"
        root = path in ("", "/")  # the build's index.html when there is one, else a listing
        fmt = None if root else format_of(path.lstrip("/"))
        entity = None
        if fmt is not None and prefers_html(environ.get("HTTP_ACCEPT", ""), fmt.media_type):
            entity = self._file(view_name(path))  # a browser: the feed's page, when the build made one
        if entity is None:
            entity = (self._file("/index.html") or self._index()) if root else self._file(path)
        if entity is None:
            return _plain(start_response, "404 Not Found", method)
        return self._respond(entity, environ, start_response, method, negotiated=fmt is not None)

    def _redirect(self, start_response: StartResponse, method: str) -> Iterable[bytes]:
        """``/`` and the mount without its slash: a 301 to the mount, so a person at the root meets the index.

        301 because the address is the configuration's (308 would say the
        same for GET and HEAD, the only methods here, and fewer old clients
        know it); bounded by ``max_age`` so that a browser does not keep it
        after ``feeds_url`` changes. The ``Location`` is the path alone (RFC
        9110 §10.2.2 allows a relative reference): this server does not know
        the scheme and host a proxy in front of it answers to.
        """
        extra = [("Location", self.mount), ("Cache-Control", f"public, max-age={self.max_age}")]
        return _plain(start_response, "301 Moved Permanently", method, extra)

    def _file(self, path: str) -> Entity | None:
        """The entity for ``path``: one ``stat`` when the file has not changed since the last request."""
        name = _name(path)
        if name is None or (self.published is not None and name not in self.published.names()):
            return None
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None:
            target, key, entity = cached
            try:
                stat = os.stat(target)  # noqa: PTH116 -- a str, not a new Path per request
            except OSError:
                stat = None
            if stat is not None and (stat.st_ino, stat.st_size, stat.st_mtime_ns) == key:
                with self._lock:
                    if name in self._cache:
                        self._cache.move_to_end(name)
                return entity
        resolved = self._resolve(name)  # the slow, careful path: a new or changed file
        if resolved is None:
            return None
        try:
            stat = resolved.stat()
            body = resolved.read_bytes()
        except OSError:
            return None
        # The path under the root, not the base name: archive/3.json is a JSON Feed, its type told by its folder.
        kind = media_type(resolved.relative_to(self.root.resolve()).as_posix())
        entity = make_entity(body, stat.st_mtime, kind)
        self._keep(name, (str(resolved), (stat.st_ino, stat.st_size, stat.st_mtime_ns), entity))
        return entity

    def cache_size(self) -> tuple[int, int]:
        """(responses, bytes) held in the response cache."""
        with self._lock:
            return len(self._cache), self._cached

    def _keep(self, name: str, item: tuple[str, tuple[int, int, int], Entity]) -> None:
        """Cache one response, dropping the least recently used ones beyond :attr:`cache_bytes`."""
        size = len(item[2].body) + len(item[2].gzipped)
        if size > self.cache_bytes:
            return
        with self._lock:
            old = self._cache.pop(name, None)
            if old is not None:
                self._cached -= len(old[2].body) + len(old[2].gzipped)
            self._cache[name] = item
            self._cached += size
            while self._cached > self.cache_bytes:
                _, dropped = self._cache.popitem(last=False)
                self._cached -= len(dropped[2].body) + len(dropped[2].gzipped)

    def _resolve(self, name: str) -> Path | None:
        """The file ``name`` (relative, checked by :func:`_name`) inside the root, or ``None`` (a 404)."""
        root = self.root.resolve()
        try:
            target = root.joinpath(*name.split("/")).resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target

    def _index(self) -> Entity | None:
        """``/``: the feeds with ``<link rel="alternate">`` autodiscovery, so a reader finds them."""
        try:
            names = sorted(
                str(p.relative_to(self.root))
                for p in self.root.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(self.root).parts)
            )
        except OSError:
            return None
        if self.published is not None:
            published = self.published.names()  # once: each call costs a stat of the state
            names = [n for n in names if n in published]
        feeds = [
            n for n in names if media_type(n).startswith(("application/atom", "application/rss", "application/feed"))
        ]
        title = escape(self.title)
        links = "".join(
            f'<link rel="alternate" type="{media_type(n).split(";")[0]}" title="{title}: {escape(n)}" '
            f'href="{escape(self.mount + quote(n))}">\n'
            for n in feeds
        )
        items = "".join(f'<li><a href="{escape(self.mount + quote(n))}">{escape(n)}</a></li>\n' for n in feeds)
        html = (
            f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n{links}</head>\n'
            f"<body>\n<h1>{title}</h1>\n<p>Copy a feed's address into your feed reader.</p>\n<ul>\n{items}</ul>\n"
            "</body>\n</html>\n"
        ).encode()
        newest = max(((self.root / n).stat().st_mtime for n in feeds), default=0.0)
        return make_entity(html, newest, "text/html; charset=utf-8")

    def _respond(
        self, entity: Entity, environ: Environ, start_response: StartResponse, method: str, *, negotiated: bool
    ) -> Iterable[bytes]:
        """``negotiated``: the URL is a feed's, whose answer depends on ``Accept`` (feed or its page)."""
        use_gzip = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        etag = entity.gzip_etag if use_gzip else entity.etag
        headers = [
            ("ETag", etag),
            ("Last-Modified", entity.last_modified),
            ("Cache-Control", f"public, max-age={self.max_age}"),
            ("Vary", "Accept-Encoding, Accept" if negotiated else "Accept-Encoding"),
        ]
        if not_modified(environ, entity):
            start_response("304 Not Modified", headers)
            return []
        body = entity.gzipped if use_gzip else entity.body
        headers += [("Content-Type", entity.content_type), ("Content-Length", str(len(body)))]
        if use_gzip:
            headers.append(("Content-Encoding", "gzip"))
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [body]


def _plain(
    start_response: StartResponse, status: str, method: str, extra: list[tuple[str, str]] | None = None
) -> list[bytes]:
    body = f"{status}\n".encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(extra or [])]
    )
    return [] if method == "HEAD" else [body]


def _name(path: str) -> str | None:
    """The file a request path names, relative to the root (``/tags//x.xml/`` → ``tags/x.xml``), or ``None``.

    >>> [_name(p) for p in ("/atom.xml", "/atom.xml//", "//atom.xml", "/../x", "/.seedfeed/s", "/")]
    ['atom.xml', 'atom.xml', None, None, None, None]
    """
    if not path.startswith("/") or path.startswith("//") or "\\" in path or "\0" in path:
        return None
    names = [part for part in path.split("/")[1:] if part]
    if not names or any(part in (".", "..") or part.startswith(".") for part in names):
        return None
    return "/".join(names)
