"""The browser view in a real browser: headless Chromium opens the feeds' URLs served from 127.0.0.1.

Needs Debian's ``chromium`` on ``PATH`` (``.ci/run`` installs it with
``chromium-driver`` when missing); without it these tests are skipped with
that reason, or fail when ``SEEDFEED_REQUIRE`` names ``chromium``. Chromium
is driven from its command line: ``--dump-dom`` gives the page it shows,
``--screenshot`` the picture. It asks for ``text/html`` and gets the page the
build rendered; no XSLT runs anywhere.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import feedparser
import pytest
from lxml import html

from seedfeed.build import build
from seedfeed.serve import FeedApp, close_server, create_server

from .conftest import NOW, require

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> str:
    """The path of Chromium, found on ``PATH`` (Debian calls it ``chromium``, others ``chromium-browser``)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    require("chromium", found is not None, "Chromium is not on PATH: apt-get install chromium chromium-driver")
    assert found is not None
    return found


@pytest.fixture
def served(corpus, make_config) -> Iterator[tuple[str, Path]]:
    config = make_config(corpus)
    build(config, now=NOW)
    # served where the default feeds_url says, https://example.org/feeds/, as `seedfeed serve` does
    server = create_server(FeedApp(config.out, mount="/feeds/"), "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}/feeds", config.out
    close_server(server, from_thread=True)
    thread.join(timeout=5)


def chromium(browser: str, tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "chromium-profile"
    result = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml", "feed.json", "tags/volitve.atom.xml"])
def test_chromium_shows_the_page_of_every_feed_url(browser, served, tmp_path, name) -> None:
    base, out = served
    dom = chromium(browser, tmp_path, "--dump-dom", f"{base}/{name}")
    page = html.document_fromstring(dom)
    text = page.text_content()
    assert "To je vir novic (feed): kopirajte njegov naslov v svoj bralnik novic." in text  # the site's language
    assert f"https://example.org/feeds/{name}" in text
    feed = name if name != "feed.json" else "atom.xml"  # the JSON Feed holds the same entries
    for entry in feedparser.parse(str(out / feed)).entries:
        title = unescape(entry.title) if entry.title_detail.type == "text/html" else entry.title
        assert title in text, title
    assert page.find(".//article") is not None
    assert "XSLT" not in text and page.find(".//script") is None


def test_chromium_screenshot_of_the_browser_view(browser, served, tmp_path) -> None:
    base, _ = served
    shot = tmp_path / "rss.png"
    chromium(browser, tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", f"{base}/rss.xml")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000


def test_chromium_shows_an_article_page_in_a_phone_sized_window(browser, served, tmp_path) -> None:
    base, out = served
    name = "articles/2023-09-17-kim-jong-un-zakljucil-obisk-rusije.html"
    dom = chromium(browser, tmp_path, "--window-size=390,844", "--dump-dom", f"{base}/{name}")
    page = html.document_fromstring(dom)
    assert page.findtext(".//h1") == "Kim Jong Un zaključil šestdnevni obisk Rusije"
    assert page.find(".//meta[@name='viewport']").get("content") == "width=device-width, initial-scale=1"
    assert [s.get("type") for s in page.iter("script")] == ["application/ld+json"]  # data; nothing runs
    shot = tmp_path / "article.png"
    chromium(browser, tmp_path, "--window-size=390,844", f"--screenshot={shot}", f"{base}/{name}")
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert (out / name).is_file()
