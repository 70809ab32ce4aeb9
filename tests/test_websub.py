"""WebSub: the hub link in both feeds, and a publish ping after every build that changed a feed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import feedparser
import pytest
from lxml import etree

from seedfeed.build import build
from seedfeed.store.state import State

from .conftest import NOW


class Hub:
    """A local stand-in for a WebSub hub that records every POST's form fields."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.pings: list[dict[str, list[str]]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                assert self.headers["Content-Type"] == "application/x-www-form-urlencoded"
                hub.pings.append(parse_qs(self.rfile.read(length).decode()))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def urls(self) -> list[str]:
        return sorted(url for ping in self.pings for url in ping["hub.url"])


@pytest.fixture
def hub() -> Iterator[Hub]:
    hub = Hub()
    thread = threading.Thread(target=hub.server.serve_forever, daemon=True)
    thread.start()
    yield hub
    hub.server.shutdown()
    hub.server.server_close()


def test_both_feeds_carry_the_hub_link_before_the_entries(make_config, shipped, hub) -> None:
    config = make_config(shipped, hub=hub.url)
    build(config, now=NOW)
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse(str(config.out / name))
        assert parsed.bozo == 0
        assert [link.href for link in parsed.feed.links if link.rel == "hub"] == [hub.url]
    channel = etree.parse(str(config.out / "rss.xml")).getroot().find("channel")
    tags = [etree.QName(child).localname for child in channel]
    assert tags.index("link", tags.index("description")) < tags.index("item")


def test_a_build_that_changed_the_feeds_pings_the_hub_with_the_form_fields(make_config, shipped, hub) -> None:
    config = make_config(shipped, hub=hub.url)
    build(config, now=NOW)
    assert {ping["hub.mode"][0] for ping in hub.pings} == {"publish"}
    assert hub.urls() == [f"https://example.org/feeds/{name}" for name in ("atom.xml", "feed.json", "rss.xml")]
    build(config, now=NOW + timedelta(hours=1))  # nothing changed: no ping
    assert len(hub.pings) == 3


def test_a_failing_hub_is_logged_not_fatal_and_retried_after_the_next_build(make_config, shipped, hub, caplog) -> None:
    config = make_config(shipped, hub=hub.url)
    hub.status = 503
    report = build(config, now=NOW)
    assert {"atom.xml", "feed.json", "rss.xml"} <= set(report.written)
    assert "ping for https://example.org/feeds/atom.xml failed (HTTP Error 503" in caplog.text
    with State(config.state) as state:
        assert len(state.pending_pings()) == 3
    hub.status = 202
    build(config, now=NOW + timedelta(hours=1))
    assert hub.urls().count("https://example.org/feeds/atom.xml") == 2
    with State(config.state) as state:
        assert state.pending_pings() == set()


def test_an_unreachable_hub_does_not_fail_the_build(make_config, shipped, caplog) -> None:
    config = make_config(shipped, hub="http://127.0.0.1:9/")
    report = build(config, now=NOW)
    assert report.written and "ping for https://example.org/feeds/atom.xml failed" in caplog.text


class RawHub:
    """A hub on a raw socket that misbehaves as told: ``garbage`` bytes, a ``trickle`` of one byte a second,
    or ``good`` (204, recording the URL). Bound at once, listening only once :meth:`listen` is called: until
    then a connection is refused."""

    def __init__(self, mode: str) -> None:
        import socket

        self.mode = mode
        self.pinged: list[str] = []
        self.stopped = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.threads: list[threading.Thread] = []

    def listen(self) -> RawHub:
        self.sock.listen()
        self.sock.settimeout(0.05)
        self._start(self._accept)
        return self

    def _start(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self.threads.append(thread)

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._start(self._answer, connection)

    def _answer(self, connection: object) -> None:
        import socket

        assert isinstance(connection, socket.socket)
        with connection:
            connection.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(4096)
            head, body = data.split(b"\r\n\r\n", 1)
            fields = dict(line.lower().split(b":", 1) for line in head.split(b"\r\n")[1:])
            length = int(fields[b"content-length"])
            while len(body) < length:
                body += connection.recv(4096)
            if self.mode == "garbage":
                connection.sendall(b"\x00\xffNOT-HTTP garbage\r\n\x1b[31m\r\n\r\n")
            elif self.mode == "trickle":
                for byte in b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n":
                    if self.stopped.wait(1.0):
                        return
                    connection.sendall(bytes([byte]))
            else:
                self.pinged += parse_qs(body.decode())["hub.url"]
                connection.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()
        for thread in self.threads:
            thread.join(timeout=5)


FEEDS = [f"https://example.org/feeds/{name}" for name in ("atom.xml", "feed.json", "rss.xml")]


@pytest.mark.parametrize("mode", ["garbage", "refusing"])
def test_a_hub_answering_garbage_or_refusing_is_one_warning_and_the_pings_go_with_the_next_build(
    tmp_path, shipped, monkeypatch, capsys, mode
) -> None:
    from seedfeed.cli import main

    hub = RawHub("garbage" if mode == "garbage" else "good")
    try:
        if mode == "garbage":
            hub.listen()
        (tmp_path / "seedfeed.toml").write_text(f'[site]\nhub = "{hub.url}"\n[paths]\nstate = "state.sqlite3"\n')
        monkeypatch.chdir(tmp_path)
        assert main(["build"]) == 0  # the feeds are published: a hub never fails a build
        err = capsys.readouterr().err
        assert "Traceback" not in err and len(err.splitlines()) == 1, err
        reason = "BadStatusLine: " if mode == "garbage" else "ConnectionRefusedError: "
        assert err.startswith(f"seedfeed: warning: WebSub hub {hub.url}: ping for {FEEDS[0]} failed ({reason}"), err
        assert err.endswith("; 3 of 3 ping(s) kept for the next build\n"), err
        assert "\x00" not in err and "\x1b" not in err
        with State(tmp_path / "state.sqlite3") as state:
            assert sorted(state.pending_pings()) == FEEDS
        hub.mode = "good"
        if mode == "refusing":
            hub.listen()
        assert main(["build"]) == 0  # nothing changed: the pending pings go out all the same
        assert capsys.readouterr().err == ""
        assert sorted(hub.pinged) == FEEDS
        with State(tmp_path / "state.sqlite3") as state:
            assert state.pending_pings() == set()
    finally:
        hub.close()


def test_a_hub_trickling_its_answer_is_cut_off_at_one_deadline_for_every_ping(make_config, shipped, caplog) -> None:
    import time

    from seedfeed.websub import announce

    hub = RawHub("trickle").listen()
    try:
        config = make_config(shipped, hub=hub.url)
        report = build(config, now=NOW, announce=False)
        start = time.monotonic()
        announce(config, report.written, deadline=1.0)  # three pings, one second for all of them together
        took = time.monotonic() - start
    finally:
        hub.close()
    assert took < 2.5, took
    assert f"ping for {FEEDS[0]} failed (no answer within 1 s); 3 of 3 ping(s) kept for the next build" in caplog.text
    with State(config.state) as state:
        assert sorted(state.pending_pings()) == FEEDS
