"""``seedfeed serve``: real clients (feedparser, raw sockets) against waitress on an ephemeral port.

The server serves the output under ``/feeds/``, the path of the default
``feeds_url``, as ``seedfeed serve`` does: ``server`` is that address.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.utils import formatdate
from urllib.parse import urlsplit

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.feeds import media_type
from seedfeed.serve import FeedApp, close_server, create_server

from .conftest import NOW, SHIPPED_SEED, wait_until

MOUNT = "/feeds/"  # the path of the default feeds_url, https://example.org/feeds/


@pytest.fixture
def site(make_config, shipped):
    config = make_config(shipped)
    build(config, now=NOW)
    return config


@pytest.fixture
def server(site) -> Iterator[str]:
    app = FeedApp(site.out, max_age=120, title="Novice", mount=MOUNT)
    srv = create_server(app, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}{MOUNT.rstrip('/')}"
    close_server(srv, from_thread=True)
    thread.join(timeout=5)
    assert not thread.is_alive()


def raw(base: str, request: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are to the server at ``base``; return status, headers and body of the response."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
                if length and len(body) >= int(length[0].split(b":")[1]):
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def get(base: str, path: str, *headers: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """``path`` under ``base``'s path: ``get("http://h:1/feeds", "/atom.xml")`` asks for ``/feeds/atom.xml``."""
    extra = "".join(f"{h}\r\n" for h in headers)
    target = urlsplit(base).path + path
    return raw(base, f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n".encode())


# --- feedparser, a real feed reader ---------------------------------------------------


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_feedparser_gets_200_then_304_then_200_after_a_new_seed(server, site, name) -> None:
    first = feedparser.parse(f"{server}/{name}")
    assert first.status == 200 and first.bozo == 0
    assert [e.title for e in first.entries] == ["Kim Jong Un zaključil šestdnevni obisk Rusije"]
    again = feedparser.parse(f"{server}/{name}", etag=first.etag, modified=first.modified)
    assert again.status == 304 and again.entries == []
    (site.seeds / "2024-10-01-nova-novica.txt").write_text("Nova novica\nBesedilo.\n", encoding="utf-8")
    build(site, now=NOW + timedelta(hours=1))
    fresh = feedparser.parse(f"{server}/{name}", etag=first.etag, modified=first.modified)
    assert fresh.status == 200 and fresh.bozo == 0
    assert "Nova novica" in [e.title for e in fresh.entries]


def test_content_types_carry_charset(server) -> None:
    assert get(server, "/atom.xml")[1]["content-type"] == "application/atom+xml; charset=utf-8"
    assert get(server, "/rss.xml")[1]["content-type"] == "application/rss+xml; charset=utf-8"
    assert get(server, "/")[1]["content-type"] == "text/html; charset=utf-8"
    assert media_type("feed.json") == "application/feed+json; charset=utf-8"


def test_etag_is_strong_and_from_the_bytes_and_cache_control_is_configured(server, site) -> None:
    status, headers, body = get(server, "/atom.xml")
    assert status == 200 and body == (site.out / "atom.xml").read_bytes()
    assert headers["etag"].startswith('"') and not headers["etag"].startswith("W/")
    assert headers["cache-control"] == "public, max-age=120"
    assert headers["last-modified"] == formatdate((site.out / "atom.xml").stat().st_mtime, usegmt=True)


def test_if_none_match_wins_over_if_modified_since(server) -> None:
    _, headers, _ = get(server, "/atom.xml")
    etag, modified = headers["etag"], headers["last-modified"]
    status, again, body = get(server, "/atom.xml", f"If-None-Match: {etag}")
    assert (status, body, again["etag"]) == (304, b"", etag)
    assert get(server, "/atom.xml", f"If-Modified-Since: {modified}")[0] == 304
    assert get(server, "/atom.xml", 'If-None-Match: "other"', f"If-Modified-Since: {modified}")[0] == 200
    assert get(server, "/atom.xml", "If-None-Match: *")[0] == 304
    assert get(server, "/atom.xml", "If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT")[0] == 200


def test_gzip_when_accepted_with_vary(server, site) -> None:
    status, headers, body = get(server, "/rss.xml", "Accept-Encoding: br, gzip;q=0.8")
    assert (status, headers["content-encoding"], headers["vary"]) == (200, "gzip", "Accept-Encoding, Accept")
    assert gzip.decompress(body) == (site.out / "rss.xml").read_bytes()
    assert "content-encoding" not in get(server, "/rss.xml", "Accept-Encoding: gzip;q=0")[1]
    assert get(server, "/rss.xml", f"If-None-Match: {headers['etag']}", "Accept-Encoding: gzip")[0] == 304


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("*;q=0, gzip", True),  # an explicit gzip wins over the wildcard, whatever the order
        ("gzip, *;q=0", True),
        ("gzip;q=0, *", False),
        ("*", True),
        ("identity", False),
        ("", False),
        ("br, gzip;q=0.8", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("gzip;q=0.000", False),
        ("gzip;q=zero", False),
        ("deflate, br", False),
    ],
)
def test_accept_encoding_is_negotiated_by_rfc_9110(site, accept_encoding, gzipped) -> None:
    from wsgiref.util import setup_testing_defaults
    from wsgiref.validate import validator

    environ: dict[str, object] = {"SCRIPT_NAME": "", "PATH_INFO": "/rss.xml", "QUERY_STRING": ""}
    environ["HTTP_ACCEPT_ENCODING"] = accept_encoding
    setup_testing_defaults(environ)  # wsgi.input, SERVER_NAME and the rest
    seen: dict[str, str] = {}

    def start_response(status, headers, exc_info=None):
        seen.update(headers)
        return lambda data: None

    result = validator(FeedApp(site.out))(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    assert ("Content-Encoding" in seen) is gzipped
    assert (gzip.decompress(body) if gzipped else body) == (site.out / "rss.xml").read_bytes()


def test_head_has_the_headers_and_no_body(server) -> None:
    status, headers, body = get(server, "/atom.xml", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len(get(server, "/atom.xml")[2])


def test_root_is_the_index_page_with_autodiscovery_links(server) -> None:
    status, _, body = get(server, "/")
    html = body.decode()
    assert status == 200
    assert '<link rel="alternate" type="application/atom+xml" title="seedfeed (Atom)" href="atom.xml">' in html
    assert '<link rel="alternate" type="application/feed+json" title="seedfeed (JSON Feed)" href="feed.json">' in html


def test_without_an_index_page_root_lists_the_feeds(server, site) -> None:
    (site.out / "index.html").unlink()
    html = get(server, "/")[2].decode()
    assert '<link rel="alternate" type="application/atom+xml" title="Novice: atom.xml" href="/feeds/atom.xml">' in html
    assert '<link rel="alternate" type="application/rss+xml" title="Novice: rss.xml" href="/feeds/rss.xml">' in html


def test_a_person_opening_the_server_s_root_is_redirected_to_the_index(server, site) -> None:
    import urllib.request

    origin = server.removesuffix(MOUNT.rstrip("/"))
    with urllib.request.urlopen(f"{origin}/", timeout=10) as response:  # follows the 301, as a browser does
        assert (response.url, response.read()) == (f"{server}/", (site.out / "index.html").read_bytes())
    assert get(origin, "/atom.xml")[0] == 404  # outside the path: nothing


# --- only the output directory, only GET and HEAD ------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../seeds/" + SHIPPED_SEED.name,
        "/%2e%2e/seeds/" + SHIPPED_SEED.name,
        "/%2E%2E%2Fseeds",
        "//etc/passwd",
        "/.feeds.lock",
        "/nothing.xml",
        "/./atom.xml/..",
        "/atom.xml%00",
        "/..%5c..%5cetc",
    ],
)
def test_nothing_outside_the_output_directory_is_reachable(server, path) -> None:
    assert get(server, path)[0] == 404


def test_symlink_leaving_the_output_directory_is_404(server, site) -> None:
    (site.out / "escape.xml").symlink_to(SHIPPED_SEED)
    (site.out / "inside.xml").symlink_to(site.out / "atom.xml")
    assert get(server, "/escape.xml")[0] == 404
    assert get(server, "/inside.xml")[0] == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"])
def test_other_methods_get_405_with_allow(server, method) -> None:
    status, headers, _ = get(server, "/atom.xml", "Content-Length: 0", method=method)
    assert (status, headers["allow"]) == (405, "GET, HEAD")


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /atom.xml HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n", 400),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /atom.xml HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 300_000 + b"\r\n\r\n", 431),
        (b"GET /atom.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"GET /atom.xml HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /atom.xml HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 needs a Host (RFC 9112 §3.2)
        (b"GET /atom.xml HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
        (b"GET /atom.xml HTTP/1.1\r\nHost: x/y\r\n\r\n", 400),
        (b"POST /atom.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n", 413),
    ],
)
def test_malformed_requests_get_the_status_http_defines(server, request_bytes, status) -> None:
    start = time.monotonic()
    got, _, body = raw(server, request_bytes)
    assert got == status
    assert b"Traceback" not in body and time.monotonic() - start < 5


@pytest.mark.parametrize(
    "host", ["Host: x", "Host: 127.0.0.1:8080", "Host: [::1]:8080", "Host: novice.example.si", "Host:"]
)
def test_http_1_1_with_one_valid_host_is_answered(server, host) -> None:
    assert raw(server, f"GET {MOUNT}atom.xml HTTP/1.1\r\n{host}\r\nConnection: close\r\n\r\n".encode())[0] == 200


def test_http_1_0_needs_no_host(server) -> None:
    assert raw(server, f"GET {MOUNT}atom.xml HTTP/1.0\r\n\r\n".encode())[0] == 200


def test_a_request_during_a_rebuild_gets_a_whole_document(server, site) -> None:
    seen: set[bytes] = set()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            seen.add(get(server, "/atom.xml")[2])

    thread = threading.Thread(target=poll)
    thread.start()
    for index in range(5):
        (site.seeds / f"2024-10-0{index + 1}-n.txt").write_text(f"Novica {index}\nBesedilo.\n", encoding="utf-8")
        build(site, now=NOW + timedelta(hours=index + 1))
    stop.set()
    thread.join()
    assert seen
    for body in seen:
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0 and parsed.entries


def test_serve_command_builds_on_ticks_and_stops_on_sigterm(tmp_path) -> None:
    import signal
    import subprocess
    import sys

    (tmp_path / "seeds").mkdir()
    shutil.copy(SHIPPED_SEED, tmp_path / "seeds")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "seedfeed", "serve", "--port", str(port), "--every", "1h"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )

    def served() -> bool:
        assert process.poll() is None, "seedfeed serve exited"
        return feedparser.parse(f"http://127.0.0.1:{port}/feeds/atom.xml").get("status") == 200

    try:
        wait_until(served, "the server to answer with the built feed", 15)
        assert len(feedparser.parse(f"http://127.0.0.1:{port}/feeds/atom.xml").entries) == 1
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        assert "SIGTERM received: stopping the server" in err
        assert f"at http://127.0.0.1:{port}/feeds/\n" in err  # the address the log gives is the one that answers
    finally:
        process.kill()
        process.wait()


def test_304_keeps_the_connection_alive_for_the_next_poll(server) -> None:
    etag = get(server, "/atom.xml")[1]["etag"]
    address = urlsplit(server)
    request = f"GET {MOUNT}atom.xml HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n".encode()
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        for _ in range(3):  # the same connection answers three polls
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                assert chunk, "the server closed the connection after a 304"
                data += chunk
            assert data.startswith(b"HTTP/1.1 304 ") and b"Connection: close" not in data


def test_a_browser_gets_the_page_and_a_feed_reader_gets_the_feed_over_a_socket(server) -> None:
    browser = "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    reader = "Accept: application/atom+xml,application/rss+xml,application/xml;q=0.9,*/*;q=0.1"
    _, headers, body = get(server, "/atom.xml", browser)
    assert headers["content-type"] == "text/html; charset=utf-8" and body.startswith(b"<!DOCTYPE html>")
    assert headers["vary"] == "Accept-Encoding, Accept"
    assert get(server, "/atom.xml", reader)[1]["content-type"] == "application/atom+xml; charset=utf-8"
    assert get(server, "/rss.xml", reader)[1]["content-type"] == "application/rss+xml; charset=utf-8"


def test_closing_from_another_thread_never_closes_the_trigger_under_its_own_pull(site) -> None:
    """A loop already awake may run the queued closing before ``pull_trigger`` writes its wake-up byte."""
    srv = create_server(FeedApp(site.out), "127.0.0.1", 0, threads=1)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    trigger = srv.trigger
    wake = trigger._physical_pull

    def late_pull() -> None:  # a worker's byte wakes the loop after the closing is queued, before this write
        wake()
        time.sleep(0.2)
        wake()

    trigger._physical_pull = late_pull
    close_server(srv, from_thread=True)  # EBADF here when the loop closed the trigger's pipe in between
    thread.join(timeout=5)
    assert not thread.is_alive()
