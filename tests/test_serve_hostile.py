"""``seedfeed serve`` under hostile connections: many held open, idle, half-open, trickling, not HTTP at all.

Raw sockets against waitress in this process, on an ephemeral port of 127.0.0.1;
every wait is bounded by a deadline.
"""

from __future__ import annotations

import resource
import selectors
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from seedfeed.build import build
from seedfeed.serve import FeedApp, close_server, create_server

from .conftest import NOW, PROJECT

sys.path.insert(0, str(PROJECT / "bench"))
from slowloris import exchange

HELD = 1000  # the figure: 98 of these stopped the server answering anyone
HALF_OPEN = b"GET /atom.xml HTTP/1.1\r\nHost: x\r\n"


@pytest.fixture
def feeds(make_config, shipped) -> Path:
    config = make_config(shipped)
    build(config, now=NOW)
    return config.out


@pytest.fixture
def serve(feeds) -> Iterator[Callable[..., int]]:
    """Start a server on the built feeds (``create_server`` keywords pass through); return its port."""
    running: list[tuple[object, threading.Thread]] = []

    def start(**settings: int) -> int:
        server = create_server(FeedApp(feeds), "127.0.0.1", 0, threads=4, **settings)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        return int(server.effective_port)

    yield start
    for server, thread in running:
        close_server(server, from_thread=True)
        thread.join(timeout=10)
        assert not thread.is_alive()


@pytest.fixture
def descriptors() -> None:
    """Enough file descriptors for ``HELD`` client sockets and the server's ``HELD`` in this one process."""
    wanted = 2 * HELD + 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        # A hard limit below it is raised too: root may (CI runs as root); anyone else gets a clear failure.
        if hard != resource.RLIM_INFINITY and hard < wanted:
            hard = wanted
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError) as exc:
            pytest.fail(f"this test needs {wanted} file descriptors (RLIMIT_NOFILE); raising the limit failed: {exc}")


def connect(port: int, payload: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if payload:
        sock.sendall(payload)
    return sock


def etag_of(port: int) -> str:
    head, _ = exchange(port, b"GET /atom.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return next(line.split(b": ", 1)[1].decode() for line in head.split(b"\r\n") if line.lower().startswith(b"etag:"))


def read_heads(socks: list[socket.socket], deadline: float) -> list[bytes]:
    """The response head each socket receives before ``deadline`` (``b""`` where none came)."""
    heads = dict.fromkeys(socks, b"")
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        waiting = len(socks)
        while waiting and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                chunk = sock.recv(4096)
                heads[sock] += chunk
                if not chunk or b"\r\n\r\n" in heads[sock]:
                    selector.unregister(sock)
                    waiting -= 1
    return [heads[sock].partition(b"\r\n\r\n")[0] for sock in socks]


def seconds_until_closed(sock: socket.socket, limit: float, trickle: bytes = b"") -> float | None:
    """Seconds until the server closes ``sock`` (EOF or reset), sending it one byte of ``trickle`` every 0.2 s."""
    start = time.monotonic()
    sock.setblocking(False)
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        while (elapsed := time.monotonic() - start) < limit:
            if trickle:
                try:
                    sock.send(trickle[:1])
                except OSError:
                    return elapsed
                trickle = trickle[1:]
            if selector.select(timeout=0.2):
                try:
                    if not sock.recv(65536):
                        return time.monotonic() - start
                except OSError:
                    return time.monotonic() - start
    return None


# --- many connections held open -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["half-open", "idle keep-alive"])
def test_a_conditional_get_gets_its_304_within_a_second_while_1000_connections_are_held(
    serve, descriptors, kind
) -> None:
    port = serve()
    etag = etag_of(port)
    conditional = f"GET /atom.xml HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n".encode()
    held = [connect(port, HALF_OPEN if kind == "half-open" else conditional) for _ in range(HELD)]
    try:
        if kind == "idle keep-alive":  # each has had its 304 and stays open, idle
            heads = read_heads(held, time.monotonic() + 10)
            assert sum(head.startswith(b"HTTP/1.1 304 ") for head in heads) == HELD
        # Queued behind all of them, so its answer shows the server has taken every one in.
        head, _ = exchange(port, conditional)
        assert head.startswith(b"HTTP/1.1 304 ")
        for _ in range(3):
            head, seconds = exchange(port, conditional)
            assert head.startswith(b"HTTP/1.1 304 ") and seconds < 1.0
    finally:
        for sock in held:
            sock.close()


# --- idle and half-open connections are closed -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "opening", "trickle"),
    [
        pytest.param("silent", b"", b"", id="silent"),
        pytest.param("idle keep-alive", b"GET /atom.xml HTTP/1.1\r\nHost: x\r\n\r\n", b"", id="idle keep-alive"),
        pytest.param("half-open", HALF_OPEN, b"", id="half-open"),
        pytest.param("trickle", b"GET /atom.xml HTTP/1.1\r\n", b"X-Slow: " + b"z" * 100, id="header a byte per 0.2 s"),
    ],
)
def test_a_connection_without_a_whole_request_is_closed_after_the_timeout(serve, kind, opening, trickle) -> None:
    port = serve(timeout=1)
    with connect(port, opening) as sock:
        if kind == "idle keep-alive":
            assert read_heads([sock], time.monotonic() + 5)[0].startswith(b"HTTP/1.1 200 ")
        seconds = seconds_until_closed(sock, limit=6, trickle=trickle)
    # waitress checks once a second and wakes at least once a second: timeout + 2 s at most
    assert seconds is not None, f"{kind}: still open after 6 s"
    assert 0.9 <= seconds <= 3.5, seconds


# --- not HTTP/1.x at all ----------------------------------------------------------------------


def tls_client_hello() -> bytes:
    """The first bytes a real TLS client sends (Python's ssl), without a network."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    outgoing = ssl.MemoryBIO()
    tls = context.wrap_bio(ssl.MemoryBIO(), outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


@pytest.mark.parametrize(
    "opening",
    [
        b"GET /atom.xml\r\n",
        tls_client_hello(),
        b"GET /atom.xml HTTP/1.1\nHost: x\n\n",
    ],
    ids=["HTTP/0.9 request line", "TLS ClientHello", "bare LF line ends"],
)
def test_bytes_that_cannot_start_an_http_1_request_get_400_and_a_close_at_once(serve, opening) -> None:
    port = serve()
    start = time.monotonic()
    with connect(port, opening) as sock:
        data = b""
        while chunk := sock.recv(4096):  # until the server closes; the socket's own timeout is 5 s
            data += chunk
    assert time.monotonic() - start < 1.0
    assert data.startswith((b"HTTP/1.0 400 Bad Request\r\n", b"HTTP/1.1 400 Bad Request\r\n")), data[:40]


def test_the_server_still_answers_after_them(serve) -> None:
    port = serve(timeout=1)
    with connect(port, HALF_OPEN), connect(port, tls_client_hello()):
        head, seconds = exchange(port, b"GET /atom.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and seconds < 1.0


# --- file descriptors -------------------------------------------------------------------------

LIMITS = """
import logging, resource, sys
from pathlib import Path
from seedfeed.serve import CONNECTION_LIMIT, FeedApp, close_server, create_server
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
soft, hard = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
server = create_server(FeedApp(Path(".")), "127.0.0.1", 0)
print(resource.getrlimit(resource.RLIMIT_NOFILE)[0], server.adj.connection_limit, CONNECTION_LIMIT)
close_server(server)
"""


def test_the_open_file_limit_is_raised_for_the_connection_limit_or_the_limit_lowered_with_a_warning() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    ceiling = 1_000_000 if hard == resource.RLIM_INFINITY else hard

    def run(soft: int, hard: int) -> tuple[list[int], str]:
        done = subprocess.run(
            [sys.executable, "-c", LIMITS, str(soft), str(hard)], capture_output=True, text=True, timeout=30, check=True
        )
        return [int(n) for n in done.stdout.split()], done.stderr

    (raised, limit, wanted), err = run(512, ceiling)
    if ceiling >= wanted + 256:
        assert (raised, limit) == (wanted + 256, wanted) and err == ""
    (kept, limit, wanted), err = run(512, 768)
    assert (kept, limit) == (768, 512) and "holding at most 512 connections, not" in err
