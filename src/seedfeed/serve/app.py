"""``seedfeed serve``: a WSGI app for the output directory, run by waitress.

What a polling aggregator needs, cheaply: a strong ETag from the bytes, a
``Last-Modified``, ``304 Not Modified`` for ``If-None-Match`` (which wins over
``If-Modified-Since``, RFC 9110 §13.1.3), gzip with ``Vary: Accept-Encoding``,
and the feed media types. Responses are cached in memory by (inode, size,
mtime): a rebuild swaps files with ``os.replace``, which changes the inode,
so a request gets the old document or the new one, whole.

Only regular, non-hidden files under the output directory are served: ``..``
(also percent-encoded), absolute paths and symlinks that leave it are 404.

Hostile connections cost only themselves (:func:`create_server`): up to
``CONNECTION_LIMIT`` connections are held at once, watched with ``poll()``,
and one that has gone ``TIMEOUT`` seconds without a whole request (idle
keep-alive, a request line never finished, a header trickled in a byte at a
time) is closed. Bytes that cannot start an HTTP/1.x request (HTTP/0.9, a TLS
ClientHello) get 400 and a close as soon as they arrive, not after a timeout.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from pathlib import Path
from typing import Any

from ..feeds import format_of, media_type
from ..feeds.html import view_name

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]

log = logging.getLogger(__name__)

MAX_URI = 8192
# Connections held at once. waitress's default of 100 let 98 half-open connections stop the
# server answering anyone (0 of 4 requests in 20 s). Every turn of waitress's loop visits every
# connection, so each one held costs every request a little: a conditional GET took a median of
# 2-3 ms with 1,000 half-open connections held and 25-40 ms with 9,700 (bench/slowloris.py).
# At the limit waitress stops accepting; new connections wait in the kernel's listen queue
# until held ones time out.
CONNECTION_LIMIT = 10_000
# Seconds a connection may go without a whole request before it is closed: idle keep-alive
# connections after their last response, half-open ones after the first byte of the request,
# however slowly the rest trickles in. Checked every second, so a close comes within TIMEOUT + 2 s.
# Feed readers send a request in one packet; 10 s is slack for a slow mobile link.
TIMEOUT = 10
# A request body is never used (GET and HEAD only): a larger one gets 413 at once, instead of
# being buffered, past 512 KiB in a temporary file (another file descriptor), before the 405.
MAX_BODY = 64 * 1024
_ACCEPT_BATCH = 100  # connections taken in per turn of waitress's loop (see _accept_batch)
_FD_RESERVE = 256  # descriptors kept for what is not a connection: files served, a build's files, logging
_ALLOWED = "GET, HEAD"


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
        fmt = None if root else format_of(path.lstrip("/"))
        entity = None
        if fmt is not None and prefers_html(environ.get("HTTP_ACCEPT", ""), fmt.media_type):
            entity = self._file(view_name(path))  # a browser: the feed's page, when the build made one
        if entity is None:
            entity = (self._file("/index.html") or self._index()) if root else self._file(path)
        if entity is None:
            return _plain(start_response, "404 Not Found", method)
        return self._respond(entity, environ, start_response, method, negotiated=fmt is not None)

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

    def _respond(
        self, entity: Entity, environ: Environ, start_response: StartResponse, method: str, *, negotiated: bool
    ) -> Iterable[bytes]:
        """``negotiated``: the URL is a feed's, whose answer depends on ``Accept`` (feed or its page)."""
        use_gzip = _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        etag = entity.gzip_etag if use_gzip else entity.etag
        headers = [
            ("ETag", etag),
            ("Last-Modified", entity.last_modified),
            ("Cache-Control", f"public, max-age={self.max_age}"),
            ("Vary", "Accept-Encoding, Accept" if negotiated else "Accept-Encoding"),
        ]
        if _not_modified(environ, entity):
            start_response("304 Not Modified", headers)
            return []
        body = entity.gzipped if use_gzip else entity.body
        headers += [("Content-Type", entity.content_type), ("Content-Length", str(len(body)))]
        if use_gzip:
            headers.append(("Content-Encoding", "gzip"))
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [body]


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
    """Whether ``Accept-Encoding`` lets us send gzip: ``gzip`` if listed decides, else ``*`` (RFC 9110 §12.5.3).

    An explicit coding is more specific than the wildcard, whatever their order.
    No header, or ``identity`` only, means no gzip: the plain bytes are always acceptable.

    >>> [_accepts_gzip(h) for h in ("*;q=0, gzip", "gzip;q=0, *", "*", "identity", "br, gzip;q=0.5", "")]
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


def _plain(
    start_response: StartResponse, status: str, method: str, extra: list[tuple[str, str]] | None = None
) -> list[bytes]:
    body = f"{status}\n".encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(extra or [])]
    )
    return [] if method == "HEAD" else [body]


_TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_REQUEST_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [^ ]+ HTTP/[0-9]\.[0-9]\r")
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(:[0-9]*)?")


def _start_problem(head: bytes) -> str | None:
    """Why ``head``, the first bytes of a request, cannot begin an HTTP/1.x request; ``None`` while it still can.

    Decided on the first byte, or on the first line once it has ended, so a
    client speaking something else is answered at once instead of waiting
    for a blank line that will never come.

    >>> _start_problem(b"GET /atom.xml HTTP/1.1\\r\\nHo") is None, _start_problem(b"GE") is None
    (True, True)
    >>> _start_problem(b"GET /atom.xml\\r\\n")
    'request line without HTTP/1.x version (HTTP/0.9?)'
    >>> _start_problem(bytes.fromhex("160301020001"))
    'not an HTTP request (TLS ClientHello?)'
    """
    head = head.lstrip(b"\r\n")  # empty lines before a request are allowed (RFC 9112 §2.2)
    if not head:
        return None
    if head[0] not in _TCHAR:
        return "not an HTTP request (TLS ClientHello?)" if head[0] == 0x16 else "not an HTTP request"
    end = head.find(b"\n")
    if end < 0:
        return None
    line = head[:end]  # with its CR
    if not _REQUEST_LINE.fullmatch(line):
        if re.fullmatch(rb"\S+ \S+\r?", line):
            return "request line without HTTP/1.x version (HTTP/0.9?)"
        return "malformed request line"
    return None


def _host_problem(header_plus: bytes) -> str | None:
    """RFC 9112 §3.2: an HTTP/1.1 request has exactly one ``Host``, with a valid value.

    >>> _host_problem(b"GET / HTTP/1.1\\r\\nHost: x:8080\\r\\n"), _host_problem(b"GET / HTTP/1.1\\r\\nAccept: x\\r\\n")
    (None, 'no Host header')
    """
    hosts = [line[5:].strip(b" \t") for line in header_plus.split(b"\r\n")[1:] if line[:5].lower() == b"host:"]
    if not hosts:
        return "no Host header"
    if len(hosts) > 1:
        return "more than one Host header"
    if not _HOST.fullmatch(hosts[0].decode("latin-1")):
        return "invalid Host header"
    return None


def _connection_limit(wanted: int) -> int:
    """How many connections this process can hold: ``wanted``, or fewer when file descriptors run short.

    Each connection is a file descriptor; once they run out, ``accept()``
    fails, and waitress logs the failure on every turn of its loop. So the
    soft RLIMIT_NOFILE is raised toward the hard limit first (a process may do
    that unprivileged), and the limit is lowered, with a warning, to what fits.
    """
    try:
        import resource
    except ImportError:  # not on Unix: nothing to raise, nothing to ask
        return wanted
    needed = wanted + _FD_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return wanted
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    except (ValueError, OSError) as exc:
        log.warning("could not raise the open-file limit from %d to %d: %s", soft, target, exc)
    limit = max(soft - _FD_RESERVE, soft // 2)
    if limit < wanted:
        log.warning(
            "open-file limit %d (hard %s): holding at most %d connections, not %d; raise it with ulimit -n",
            soft,
            "unlimited" if hard == resource.RLIM_INFINITY else hard,
            limit,
            wanted,
        )
    return min(wanted, limit)


def create_server(
    app: FeedApp,
    host: str,
    port: int,
    *,
    threads: int = 8,
    connection_limit: int = CONNECTION_LIMIT,
    timeout: int = TIMEOUT,
) -> Any:
    """A waitress server for ``app``, its settings chosen for hostile clients, corrected through its class hooks.

    Settings (waitress's defaults in brackets; ``waitress/adjustments.py``):

    * ``connection_limit`` [100]: past it the listening socket is no longer
      polled (``server.py``, ``BaseWSGIServer.readable``), so 98 half-open
      connections (the rest is waitress's own trigger and listener) stopped
      every other client. Lowered to what the open-file limit allows.
    * ``asyncore_use_poll`` [False]: ``select()`` cannot watch a descriptor
      above 1023 and raises, which would end the server's loop.
    * ``channel_timeout`` [120] and ``cleanup_interval`` [30]: waitress closes
      a connection with no request in progress whose ``last_activity`` is
      older than ``channel_timeout``, checking every ``cleanup_interval``
      seconds (``BaseWSGIServer.maintenance``).
    * ``max_request_body_size`` [1 GiB]: see ``MAX_BODY``.

    Corrections:

    * waitress refreshes ``last_activity`` on every byte read, so a header
      sent a byte every few seconds was never idle; here a request still
      being received counts as activity only from its first byte, and so is
      closed ``timeout`` seconds after it began.
    * Bytes that cannot start an HTTP/1.x request get 400 as soon as the
      first byte or line shows it (:func:`_start_problem`); waitress would
      wait for a blank line that an HTTP/0.9 or TLS client never sends.
    * An HTTP/1.1 request without exactly one valid ``Host`` gets 400
      (RFC 9112 §3.2); waitress would answer it.
    * waitress would quietly answer ``GET / HTTP/2.0`` as HTTP/1.0; RFC 9112
      lets a server refuse it with 505, which tells the client why.
    * waitress closes the connection after every response without a
      Content-Length, 304 included, although a 304 has no body by definition
      (RFC 9112 §6.3): aggregators polling with keep-alive would pay a new TCP
      connection per 304. The task keeps such connections open.
    """
    import waitress
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser, ParsingError
    from waitress.server import BaseWSGIServer
    from waitress.task import WSGITask
    from waitress.utilities import BadRequest, Error

    class VersionNotSupported(Error):  # type: ignore[misc]
        code = 505
        reason = "HTTP Version Not Supported"

    class Parser(HTTPRequestParser):  # type: ignore[misc]
        start_checked = False  # the first line has been seen whole and is a request line
        completed: bool

        def received(self, data: bytes) -> int:
            if not self.start_checked and self.body_rcv is None and not self.completed:
                head = self.header_plus + data
                problem = _start_problem(head)
                if problem is not None:
                    # waitress's own way to fail before a request line was parsed (parser.py, the 431)
                    self.parse_header(b"GET / HTTP/1.0\r\n")
                    self.error = BadRequest(problem)
                    self.completed = True
                    return len(data)
                self.start_checked = b"\n" in head.lstrip(b"\r\n")
            return int(super().received(data))

        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            if self.version and not self.version.startswith("1."):
                self.error = VersionNotSupported(f"HTTP/{self.version}")
                self.completed = True
            elif self.version == "1.1" and (problem := _host_problem(header_plus)):
                raise ParsingError(problem)  # waitress answers it 400 (parser.py, received)

    class Task(WSGITask):  # type: ignore[misc]
        def set_close_on_finish(self) -> None:
            bodiless = not self.has_body and not self.wrote_header and self.version == "1.1"
            if bodiless and self.request.headers.get("CONNECTION", "").lower() != "close":
                return
            super().set_close_on_finish()

    class Channel(HTTPChannel):  # type: ignore[misc]
        parser_class = Parser
        task_class = Task
        request_began: float | None = None  # time.time() of the first byte of the request being received

        def received(self, data: bytes) -> bool:
            result = bool(super().received(data))
            if self.request is None:
                self.request_began = None
            else:
                if self.request_began is None:
                    self.request_began = time.time()  # the clock waitress's maintenance compares with
                self.last_activity = self.request_began
            return result

    sockets: dict[int, Any] = {}
    server = waitress.create_server(
        app,
        map=sockets,
        host=host,
        port=port,
        threads=threads,
        ident="seedfeed",
        connection_limit=_connection_limit(connection_limit),
        asyncore_use_poll=True,
        channel_timeout=timeout,
        cleanup_interval=1,
        max_request_body_size=MAX_BODY,
    )
    for listener in sockets.values():  # one per address the host resolves to
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = Channel
            listener.handle_accept = _accept_batch(listener)
    return server


def _accept_batch(listener: Any) -> Callable[[], None]:
    """A ``handle_accept`` for ``listener`` that takes in up to ``_ACCEPT_BATCH`` waiting connections, not one.

    waitress accepts one connection per turn of its loop (``BaseWSGIServer.handle_accept``),
    and every turn asks each open connection whether it is readable and writable: 5,000
    connections opened at once took 4.4 s to take in, while real clients waited behind
    them in the listen queue.
    """
    accept_one = listener.handle_accept

    def handle_accept() -> None:
        for _ in range(_ACCEPT_BATCH):
            held = len(listener._map)
            if held >= listener.adj.connection_limit:
                return
            accept_one()
            if len(listener._map) == held:  # nothing was waiting, or that accept failed (waitress logs it)
                return

    return handle_accept


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
