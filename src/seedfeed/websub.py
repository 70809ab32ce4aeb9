"""WebSub publishing: tell the hub which feeds changed (``hub.mode=publish``).

A hub is a peer, and a peer may answer garbage, refuse, or trickle one byte
at a time. So the pings of one build share one deadline (:data:`DEADLINE`,
for every request together: connecting, sending, every read of the answer),
an answer is read up to :data:`MAX_ANSWER` bytes, and any failure is one
warning line: the URLs not confirmed stay pending in the state database, to
be sent again after the next build. A ping never fails a build.
"""

from __future__ import annotations

import http.client
import io
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from .config import Config
from .store.state import State

log = logging.getLogger(__name__)

#: Seconds that all the pings of one build may take together (a hub trickling a byte every 5 s held a build 50 s).
DEADLINE = 10.0
#: Bytes of a hub's answer read at most; a hub says what it needs to in its status line.
MAX_ANSWER = 64 * 1024

Clock = Callable[[], float]


def ping(hub: str, urls: Iterable[str], deadline: float = DEADLINE, clock: Clock = time.monotonic) -> list[str]:
    """POST one publish notification per URL, all within ``deadline`` seconds; return the URLs not confirmed.

    A hub that answers with an error status fails only that URL; one that
    cannot be reached, answers garbage or runs out the deadline fails the
    rest as well (they are not tried: the next build sends them). One
    warning line says so; never an exception.
    """
    end = clock() + deadline
    opener = urllib.request.build_opener(_Handler(end, clock), _SecureHandler(end, clock))
    todo = list(urls)
    failed: list[str] = []
    first: tuple[str, str] | None = None
    for index, url in enumerate(todo):
        try:
            _post(opener, hub, url, end - clock())
            continue
        except urllib.error.HTTPError as exc:  # the hub answered, and said no to this URL
            exc.close()
            failed.append(url)
            first = first or (url, str(exc))
        except Exception as exc:  # a peer may do anything: every failure is a line, never a traceback
            failed.extend(todo[index:])
            first = first or (url, _reason(exc, clock() >= end, deadline))
            break
    if first is not None:
        log.warning(
            "WebSub hub %s: ping for %s failed (%s); %d of %d ping(s) kept for the next build",
            hub,
            first[0],
            _one_line(first[1]),
            len(failed),
            len(todo),
        )
    return failed


def _post(opener: urllib.request.OpenerDirector, hub: str, url: str, remaining: float) -> None:
    if remaining <= 0:
        raise TimeoutError("timed out")
    data = urlencode({"hub.mode": "publish", "hub.url": url}).encode()
    request = urllib.request.Request(
        hub, data=data, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with opener.open(request, timeout=remaining) as response:  # raises HTTPError for any status >= 400
        response.read(MAX_ANSWER)
        log.debug("WebSub hub %s: published %s (%s)", hub, url, response.status)


def _reason(exc: BaseException, late: bool, deadline: float) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc.reason, str):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if late or isinstance(exc, TimeoutError):
        return f"no answer within {deadline:g} s"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return f"{type(exc).__name__}: {exc}"


def _one_line(text: str, limit: int = 200) -> str:
    r"""A peer's words made fit for one log line: control characters escaped, and cut short.

    >>> _one_line("HTTP/1.1 2\r\n\x00!"), len(_one_line("x" * 300))
    ('HTTP/1.1 2\\r\\n\\x00!', 200)
    """
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def announce(
    config: Config, written: Sequence[str], *, deadline: float = DEADLINE, clock: Clock = time.monotonic
) -> None:
    """Ping the hub (if any) for every subscription feed in ``written``, and every ping that failed before.

    The URLs not confirmed stay pending; those confirmed are struck off the
    pending list read again afterwards (so nothing another process added
    meanwhile is lost).
    """
    if not config.site.hub:
        return
    with State(config.state) as state:
        urls = sorted(state.pending_pings() | _urls(config, written))
    if not urls:
        return
    failed = ping(config.site.hub, urls, deadline, clock)
    with State(config.state) as state:
        state.set_pending_pings(sorted((state.pending_pings() - set(urls)) | set(failed)))
        state.commit()


def defer(config: Config, written: Sequence[str]) -> None:
    """Keep the pings for the subscription feeds in ``written`` pending, unsent: the next :func:`announce` sends them.

    For a change not yet visible where readers fetch it (a deploy that failed).
    """
    if not config.site.hub:
        return
    with State(config.state) as state:
        state.set_pending_pings(sorted(state.pending_pings() | _urls(config, written)))
        state.commit()


def _urls(config: Config, written: Sequence[str]) -> set[str]:
    """The URLs of the subscription feeds among the published files ``written``."""
    feeds = {name for name in written if "/" not in name and name.endswith((".xml", ".json"))}
    return {f"{config.site.feeds_url}{name}" for name in feeds}


class _Deadline(io.RawIOBase):
    """The reading end of a socket whose every read waits only for what is left of one deadline."""

    def __init__(self, sock: socket.socket, end: float, clock: Clock) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # holds a reference: the socket stays open while read
        self._end = end
        self._clock = clock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        remaining = self._end - self._clock()
        if remaining <= 0:
            raise TimeoutError("timed out")
        self._sock.settimeout(remaining)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Socket:
    """A connected socket whose ``makefile`` (what :mod:`http.client` reads the answer through) keeps the deadline."""

    def __init__(self, sock: socket.socket, end: float, clock: Clock) -> None:
        self._sock = sock
        self._end = end
        self._clock = clock

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        return io.BufferedReader(_Deadline(self._sock, self._end, self._clock))

    def sendall(self, data: bytes) -> None:
        remaining = self._end - self._clock()
        if remaining <= 0:
            raise TimeoutError("timed out")
        self._sock.settimeout(remaining)
        self._sock.sendall(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Connection(http.client.HTTPConnection):
    def __init__(self, host: str, end: float, clock: Clock, **options: Any) -> None:
        super().__init__(host, **options)
        self._end, self._clock = end, clock

    def connect(self) -> None:
        super().connect()
        self.sock = _Socket(self.sock, self._end, self._clock)


class _SecureConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, end: float, clock: Clock, **options: Any) -> None:
        super().__init__(host, **options)
        self._end, self._clock = end, clock

    def connect(self) -> None:
        super().connect()  # the TLS handshake included: each of its steps waits at most what was left at the start
        self.sock = _Socket(self.sock, self._end, self._clock)


class _Handler(urllib.request.HTTPHandler):
    def __init__(self, end: float, clock: Clock) -> None:
        super().__init__()
        self._end, self._clock = end, clock

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def connection(host: str, /, **options: Any) -> http.client.HTTPConnection:
            return _Connection(host, self._end, self._clock, **options)

        return self.do_open(connection, req)


class _SecureHandler(urllib.request.HTTPSHandler):
    def __init__(self, end: float, clock: Clock) -> None:
        super().__init__()
        self._end, self._clock = end, clock

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def connection(host: str, /, **options: Any) -> http.client.HTTPSConnection:
            return _SecureConnection(host, self._end, self._clock, **options)

        return self.do_open(connection, req)
