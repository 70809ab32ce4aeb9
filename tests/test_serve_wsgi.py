"""The serving app in process, through ``wsgiref.validate``: no port, no thread, PEP 3333 checked on every call.

The socket tests (``test_serve.py``, ``test_serve_hostile.py``) keep what only
a real connection shows: keep-alive, malformed request lines, slow clients.
"""

from __future__ import annotations

import gzip
from io import BytesIO
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest

from seedfeed.build import build
from seedfeed.serve import FeedApp

from .conftest import NOW


@pytest.fixture
def app(shipped, make_config):
    config = make_config(shipped)
    build(config, now=NOW)
    return validator(FeedApp(config.out, max_age=60))


def call(app, path: str, method: str = "GET", **headers: str) -> tuple[str, dict[str, str], bytes]:
    environ: dict[str, object] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",  # wsgiref.validate formats its message with it even when the check passes
        "wsgi.input": BytesIO(),
    }
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    setup_testing_defaults(environ)
    answer: dict[str, object] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: object = None) -> None:
        answer["status"], answer["headers"] = status, dict(response_headers)

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return str(answer["status"]), answer["headers"], body  # type: ignore[return-value]


def test_a_feed_is_served_with_its_type_a_strong_etag_and_caching(app) -> None:
    status, headers, body = call(app, "/atom.xml")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
    assert headers["Cache-Control"] == "public, max-age=60"
    assert body.startswith(b"<?xml")


def test_if_none_match_gives_304_with_the_etag_and_no_body(app) -> None:
    _, headers, _ = call(app, "/rss.xml")
    status, again, body = call(app, "/rss.xml", if_none_match=headers["ETag"])
    assert (status, again["ETag"], body) == ("304 Not Modified", headers["ETag"], b"")


def test_if_none_match_wins_over_if_modified_since(app) -> None:
    _, headers, _ = call(app, "/atom.xml")
    status, _, _ = call(app, "/atom.xml", if_none_match='"other"', if_modified_since=headers["Last-Modified"])
    assert status == "200 OK"


def test_gzip_is_negotiated_and_varies_on_accept_encoding(app) -> None:
    _, plain, body = call(app, "/feed.json")
    status, headers, zipped = call(app, "/feed.json", accept_encoding="gzip")
    assert (status, headers["Content-Encoding"], gzip.decompress(zipped)) == ("200 OK", "gzip", body)
    assert "Accept-Encoding" in headers["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert headers["ETag"] != plain["ETag"]


def test_head_has_the_headers_of_get_and_no_body(app) -> None:
    _, get, _ = call(app, "/atom.xml")
    status, head, body = call(app, "/atom.xml", "HEAD")
    assert (status, body) == ("200 OK", b"")
    assert head["ETag"] == get["ETag"] and head["Content-Length"] == get["Content-Length"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/atom.xml", "405 Method Not Allowed"),
        ("GET", "/../state.sqlite3", "404 Not Found"),
        ("GET", "/.feeds.lock", "404 Not Found"),
        ("GET", "/nothing.xml", "404 Not Found"),
    ],
)
def test_what_is_not_a_published_file_is_refused(app, method, path, status) -> None:
    assert call(app, path, method)[0] == status


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # Chromium's
READER = "application/atom+xml,application/rss+xml,application/xml;q=0.9,*/*;q=0.1"


@pytest.mark.parametrize(
    ("feed", "page", "media_type"),
    [
        ("atom.xml", "atom.html", "application/atom+xml"),
        ("rss.xml", "rss.html", "application/rss+xml"),
        ("feed.json", "feed.html", "application/feed+json"),
    ],
)
def test_a_browser_gets_the_feed_s_page_and_a_reader_the_feed(shipped, make_config, feed, page, media_type) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    app = validator(FeedApp(config.out))
    for accept, body, content_type in (
        (BROWSER, (config.out / page).read_bytes(), "text/html; charset=utf-8"),
        (READER, (config.out / feed).read_bytes(), f"{media_type}; charset=utf-8"),
        ("", (config.out / feed).read_bytes(), f"{media_type}; charset=utf-8"),  # no Accept: the feed
    ):
        status, headers, got = call(app, f"/{feed}", accept=accept)
        assert (status, headers["Content-Type"], got) == ("200 OK", content_type, body)
        assert headers["Vary"] == "Accept-Encoding, Accept"  # caches keep the page and the feed apart
    page_etag = call(app, f"/{feed}", accept=BROWSER)[1]["ETag"]
    assert call(app, f"/{feed}", accept=BROWSER, if_none_match=page_etag)[0] == "304 Not Modified"
    assert call(app, f"/{feed}", accept=READER, if_none_match=page_etag)[0] == "200 OK"


def test_an_archive_page_is_its_page_for_a_browser(make_config) -> None:
    config = make_config(limit=1, page_size=1)
    for day in (1, 2):
        (config.seeds / f"2024-01-0{day}-n{day}.txt").write_text(f"N{day}\nBody.\n")
    build(config, now=NOW)
    app = validator(FeedApp(config.out))
    for feed in ("/archive/1.atom.xml", "/archive/1.json"):
        status, headers, body = call(app, feed, accept=BROWSER)
        assert (status, headers["Content-Type"]) == ("200 OK", "text/html; charset=utf-8")
        assert body.startswith(b"<!DOCTYPE html>")
    status, headers, _ = call(app, "/archive/1.json")
    assert (status, headers["Content-Type"]) == ("200 OK", "application/feed+json; charset=utf-8")


def test_a_page_is_served_as_html_and_varies_on_nothing_but_encoding(app) -> None:
    _, headers, body = call(app, "/atom.html")
    assert headers["Content-Type"] == "text/html; charset=utf-8" and headers["Vary"] == "Accept-Encoding"
    assert body.startswith(b"<!DOCTYPE html>")


# --- the output under the path of feeds_url (issue 19: one rule for where the output lives) ---------


@pytest.fixture
def mounted(shipped, make_config):
    """The app as ``seedfeed serve`` runs it with the default ``feeds_url``, ``https://example.org/feeds/``."""
    config = make_config(shipped)
    build(config, now=NOW)
    return validator(FeedApp(config.out, max_age=60, mount="/feeds/")), config.out


def test_under_the_mount_every_file_is_served_as_at_the_root(mounted) -> None:
    app, out = mounted
    status, headers, body = call(app, "/feeds/atom.xml")
    assert (status, headers["Content-Type"], body) == (
        "200 OK",
        "application/atom+xml; charset=utf-8",
        (out / "atom.xml").read_bytes(),
    )
    assert call(app, "/feeds/atom.xml", if_none_match=headers["ETag"])[0] == "304 Not Modified"
    _, page, got = call(app, "/feeds/rss.xml", accept=BROWSER)
    assert (page["Content-Type"], got) == ("text/html; charset=utf-8", (out / "rss.html").read_bytes())
    assert call(app, "/feeds/", "HEAD")[1]["Content-Length"] == str((out / "index.html").stat().st_size)


@pytest.mark.parametrize("path", ["/", "/feeds"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_root_and_the_mount_without_its_slash_redirect_to_the_mount(mounted, path, method) -> None:
    status, headers, _ = call(mounted[0], path, method)
    assert (status, headers["Location"]) == ("301 Moved Permanently", "/feeds/")
    assert headers["Cache-Control"] == "public, max-age=60"  # not kept forever: feeds_url may change


@pytest.mark.parametrize(
    "path", ["/atom.xml", "/index.html", "/feedsx/atom.xml", "/feed/atom.xml", "/feeds/../atom.xml"]
)
def test_a_path_outside_the_mount_is_404(mounted, path) -> None:
    assert call(mounted[0], path)[0] == "404 Not Found"


def test_a_percent_encoded_mount_is_compared_with_the_decoded_path(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    app = validator(FeedApp(config.out, mount="/novi%C4%8Dke/"))
    assert call(app, "/novi\xc4\x8dke/atom.xml")[0] == "200 OK"  # PATH_INFO: the decoded bytes as latin-1
    assert call(app, "/novi\xc4\x8dke")[1]["Location"] == "/novi%C4%8Dke/"


@pytest.mark.parametrize("mount", ["feeds/", "/feeds", ""])
def test_a_mount_is_a_path_beginning_and_ending_with_a_slash(tmp_path, mount) -> None:
    with pytest.raises(ValueError, match="mount"):
        FeedApp(tmp_path, mount=mount)
