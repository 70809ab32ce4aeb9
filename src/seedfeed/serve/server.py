"""The HTTP server: waitress, its settings and corrections chosen for hostile clients.

Hostile connections cost only themselves (:func:`create_server`): up to
``CONNECTION_LIMIT`` connections are held at once, watched with ``poll()``,
and one that has gone ``TIMEOUT`` seconds without a whole request (idle
keep-alive, a request line never finished, a header trickled in a byte at a
time) is closed. Bytes that cannot start an HTTP/1.x request (HTTP/0.9, a TLS
ClientHello) get 400 and a close as soon as they arrive, not after a timeout.
"""

from __future__ import annotations

import errno
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from .app import FeedApp

log = logging.getLogger(__name__)

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

    An address it cannot listen on (a port in use or out of range, a host
    name that does not resolve) is a :class:`ConfigError` naming it and why.

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

    if not 0 <= port <= 65535:  # waitress would listen on port % 65536 (99999 on 34463)
        raise ConfigError(f"cannot listen on {_address(host, port)}: a port is 0 to 65535")
    sockets: dict[int, Any] = {}
    try:
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
    except (OSError, ValueError) as exc:
        for listener in list(sockets.values()):  # those bound before one failed
            listener.close()
        raise ConfigError(f"cannot listen on {_address(host, port)}: {_listen_problem(exc, host, port)}") from None
    for listener in sockets.values():  # one per address the host resolves to
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = Channel
            listener.handle_accept = _accept_batch(listener)
    return server


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _listen_problem(exc: OSError | ValueError, host: str, port: int) -> str:
    """Why waitress could not listen, in words: it reports a name that does not resolve as a bare ValueError."""
    if isinstance(exc, OSError):
        if exc.errno == errno.EADDRINUSE:
            return "the port is in use (another server?)"
        return exc.strerror or str(exc)
    try:
        socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except socket.gaierror as lookup:
        return f"the host name does not resolve ({lookup.strerror})"
    except (OSError, UnicodeError, ValueError) as lookup:
        return f"not a host name or address ({lookup})"
    return str(exc)


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

    ``pull_trigger`` queues the closing, then writes to the trigger's pipe to
    wake the loop. A loop already awake (a worker thread pulls the trigger
    after each response) can run the closing between the two, and close that
    pipe under the write: ``EBADF``, or a byte written into whatever file
    reused the descriptor number meanwhile. So the closing waits for the write.
    """
    pulled = threading.Event()

    def close_all() -> None:
        for channel in list(server._map.values()):
            channel.close()

    def close_all_once_pulled() -> None:
        pulled.wait(5)
        close_all()

    server.task_dispatcher.shutdown()
    if from_thread:
        try:
            server.trigger.pull_trigger(close_all_once_pulled)
        finally:
            pulled.set()
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
    log.info("serving %s at http://%s%s", app.root, _address(host, server.effective_port), app.mount)
    try:
        server.run()
    finally:
        stop.set()
        close_server(server)
        if worker:
            worker.join()
