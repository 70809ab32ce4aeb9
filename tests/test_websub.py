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
