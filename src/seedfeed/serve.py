"""``seedfeed serve``: a WSGI app for the output directory, run by waitress.

What a polling aggregator needs, cheaply: a strong ETag from the bytes, a
``Last-Modified``, ``304 Not Modified`` for ``If-None-Match`` (which wins over
``If-Modified-Since``, RFC 9110 §13.1.3), gzip with ``Vary: Accept-Encoding``,
and the feed media types. Responses are cached in memory by (inode, size,
mtime): a rebuild swaps files with ``os.replace``, which changes the inode,
so a request gets the old document or the new one, whole.

Only regular, non-hidden files under the output directory are served: ``..``
(also percent-encoded), absolute paths and symlinks that leave it are 404.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from pathlib import Path
from typing import Any

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]

log = logging.getLogger(__name__)

MAX_URI = 8192
_ALLOWED = "GET, HEAD"
_TYPES = {
    "atom.xml": "application/atom+xml; charset=utf-8",
    "rss.xml": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xslt+xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def media_type(name: str) -> str:
    """The Content-Type of a published file.

    >>> media_type("tags/volitve.atom.xml")
    'application/atom+xml; charset=utf-8'
    """
    for suffix, kind in _TYPES.items():
        if name.endswith(suffix):
            return kind
    return "application/octet-stream"


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


class FeedApp:
    """The WSGI application: static files of ``root`` with HTTP caching done right."""

    def __init__(self, root: Path, *, max_age: int = 300, title: str = "seedfeed") -> None:
        self.root = root
        self.max_age = max_age
        self.title = title
        # request path → (resolved file, its (inode, size, mtime), the response built from it)
        self._cache: dict[str, tuple[str, tuple[int, int, int], Entity]] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if not str(environ.get("SERVER_PROTOCOL", "HTTP/1.1")).startswith("HTTP/1."):
            return _plain(start_response, "505 HTTP Version Not Supported", method)
        if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URI:
            return _plain(start_response, "414 URI Too Long", method)
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", method, [("Allow", _ALLOWED)])
        path = environ.get("PATH_INFO", "/")
        root = path in ("", "/")  # the build's index.html when there is one, else a listing
        entity = (self._file("/index.html") or self._index()) if root else self._file(path)
        if entity is None:
            return _plain(start_response, "404 Not Found", method)
        return self._respond(entity, environ, start_response, method)

    def _file(self, path: str) -> Entity | None:
        """The entity for ``path``: one ``stat`` when the file has not changed since the last request."""
        cached = self._cache.get(path)
        if cached is not None:
            target, key, entity = cached
            try:
                stat = os.stat(target)  # noqa: PTH116 -- a str, not a new Path per request
            except OSError:
                stat = None
            if stat is not None and (stat.st_ino, stat.st_size, stat.st_mtime_ns) == key:
                return entity
        resolved = self._resolve(path)  # the slow, careful path: a new or changed file
        if resolved is None:
            return None
        try:
            stat = resolved.stat()
            body = resolved.read_bytes()
        except OSError:
            return None
        entity = make_entity(body, stat.st_mtime, media_type(resolved.name))
        with self._lock:
            self._cache[path] = (str(resolved), (stat.st_ino, stat.st_size, stat.st_mtime_ns), entity)
        return entity

    def _resolve(self, path: str) -> Path | None:
        """The file ``path`` names inside the root, or ``None`` (which becomes 404)."""
        parts = path.split("/")
        if not path.startswith("/") or path.startswith("//") or "\\" in path or "\0" in path:
            return None
        names = [p for p in parts[1:] if p]
        if not names or any(p in (".", "..") or p.startswith(".") for p in names):
            return None
        root = self.root.resolve()
        try:
            target = root.joinpath(*names).resolve(strict=True)
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
        feeds = [
            n for n in names if media_type(n).startswith(("application/atom", "application/rss", "application/feed"))
        ]
        title = escape(self.title)
        links = "".join(
            f'<link rel="alternate" type="{media_type(n).split(";")[0]}" title="{title}: {escape(n)}" '
            f'href="/{escape(n)}">\n'
            for n in feeds
        )
        items = "".join(f'<li><a href="/{escape(n)}">{escape(n)}</a></li>\n' for n in feeds)
        html = (
            f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n{links}</head>\n'
            f"<body>\n<h1>{title}</h1>\n<p>Copy a feed's address into your feed reader.</p>\n<ul>\n{items}</ul>\n"
            "</body>\n</html>\n"
        ).encode()
        newest = max(((self.root / n).stat().st_mtime for n in feeds), default=0.0)
        return make_entity(html, newest, "text/html; charset=utf-8")

    def _respond(self, entity: Entity, environ: Environ, start_response: StartResponse, method: str) -> Iterable[bytes]:
        use_gzip = _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        etag = entity.gzip_etag if use_gzip else entity.etag
        headers = [
            ("ETag", etag),
            ("Last-Modified", entity.last_modified),
            ("Cache-Control", f"public, max-age={self.max_age}"),
            ("Vary", "Accept-Encoding, Accept" if _is_feed(entity) else "Accept-Encoding"),
        ]
        if _not_modified(environ, entity):
            start_response("304 Not Modified", headers)
            return []
        body = entity.gzipped if use_gzip else entity.body
        headers += [("Content-Type", _content_type(entity, environ)), ("Content-Length", str(len(body)))]
        if use_gzip:
            headers.append(("Content-Encoding", "gzip"))
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [body]


def _is_feed(entity: Entity) -> bool:
    return entity.content_type.startswith(("application/atom+xml", "application/rss+xml"))


def _content_type(entity: Entity, environ: Environ) -> str:
    """The feed's own media type for feed readers; ``application/xml`` for a browser.

    Browsers show ``application/atom+xml`` and ``application/rss+xml`` as raw
    text and never apply the feed's XSLT. A browser asks for ``text/html``
    first; feed readers do not. Hence ``Vary: Accept``.
    """
    if _is_feed(entity) and "text/html" in environ.get("HTTP_ACCEPT", ""):
        return "application/xml; charset=utf-8"
    return entity.content_type


def _not_modified(environ: Environ, entity: Entity) -> bool:
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


def _accepts_gzip(header: str) -> bool:
    for coding in header.split(","):
        name, _, params = coding.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return float(q) > 0 if params.strip().startswith("q=") else True
            except ValueError:
                return False
    return False


def _plain(
    start_response: StartResponse, status: str, method: str, extra: list[tuple[str, str]] | None = None
) -> list[bytes]:
    body = f"{status}\n".encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(extra or [])]
    )
    return [] if method == "HEAD" else [body]


def create_server(app: FeedApp, host: str, port: int, *, threads: int = 8) -> Any:
    """A waitress server for ``app``, with two corrections made through waitress's own class hooks.

    * waitress would quietly answer ``GET / HTTP/2.0`` as HTTP/1.0; RFC 9112
      lets a server refuse it with 505, which tells the client why.
    * waitress closes the connection after every response without a
      Content-Length, 304 included, although a 304 has no body by definition
      (RFC 9112 §6.3): aggregators polling with keep-alive would pay a new TCP
      connection per 304. The task keeps such connections open.
    """
    import waitress
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser
    from waitress.task import WSGITask
    from waitress.utilities import Error

    class VersionNotSupported(Error):  # type: ignore[misc]
        code = 505
        reason = "HTTP Version Not Supported"

    class Parser(HTTPRequestParser):  # type: ignore[misc]
        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            if self.version and not self.version.startswith("1."):
                self.error = VersionNotSupported(f"HTTP/{self.version}")
                self.completed = True

    class Task(WSGITask):  # type: ignore[misc]
        def set_close_on_finish(self) -> None:
            bodiless = not self.has_body and not self.wrote_header and self.version == "1.1"
            if bodiless and self.request.headers.get("CONNECTION", "").lower() != "close":
                return
            super().set_close_on_finish()

    class Channel(HTTPChannel):  # type: ignore[misc]
        parser_class = Parser
        task_class = Task

    server = waitress.create_server(app, host=host, port=port, threads=threads, ident="seedfeed")
    server.channel_class = Channel
    return server


def close_server(server: Any, *, from_thread: bool = False) -> None:
    """Stop a server made by :func:`create_server`: its threads, its socket, its open connections.

    ``from_thread``: the server's loop runs in another thread; the sockets are
    then closed by that loop itself (through waitress's trigger), never under
    its feet, and the loop ends once nothing is left to watch.
    """

    def close_all() -> None:
        for channel in list(server._map.values()):
            channel.close()

    server.task_dispatcher.shutdown()
    if from_thread:
        server.trigger.pull_trigger(close_all)
    else:
        close_all()


def run_server(
    app: FeedApp,
    host: str,
    port: int,
    *,
    background: Callable[[threading.Event], None] | None = None,
    threads: int = 8,
) -> None:
    """Serve ``app`` with waitress until SIGINT / SIGTERM; run ``background(stop)`` beside it.

    The first signal stops accepting requests and waits for the background
    job (a scheduled build) to finish; a second one exits at once.
    """
    import signal

    server = create_server(app, host, port, threads=threads)
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        if stop.is_set():
            raise SystemExit(128 + signum)
        log.warning("%s received: stopping the server", signal.Signals(signum).name)
        stop.set()
        raise SystemExit(0)  # waitress's run() catches it and shuts its threads down

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)
    worker = threading.Thread(target=background, args=(stop,), name="seedfeed-schedule") if background else None
    if worker:
        worker.start()
    log.info("serving %s on http://%s:%s/", app.root, host, server.effective_port)
    try:
        server.run()
    finally:
        stop.set()
        close_server(server)
        if worker:
            worker.join()
