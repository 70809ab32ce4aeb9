"""The published site is whole: from ``index.html``, every link into the site answers 200 with its type.

One crawler (``tests/crawl.py``), three ways of publishing the output: the
``seedfeed serve`` command, the documented nginx block and a deploy to a
local S3 server; with the default configuration and with ``base_url`` and
``feeds_url`` set. The corpus has archive pages (``limit = 2``,
``page_size = 2``), tag and source feeds. Each crawl prints one line of
figures (``pytest -s`` shows them): URLs followed, answers by status, links
outside the site.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from seedfeed.build import build
from seedfeed.config import Config, load_config
from seedfeed.deploy import Settings, Target, deploy, published

from .conftest import NOW, WAIT
from .crawl import Crawl, crawl, links
from .test_deploy import CREDENTIALS, S3Server
from .test_nginx import documented_nginx

PAGING = "limit = 2\npage_size = 2\n"
#: (name, the [site] settings besides paging, the feeds_url they give)
CONFIGURATIONS = [
    ("default", "", "https://example.org/feeds/"),
    ("base_url", 'base_url = "https://news.example.si/"\n', "https://news.example.si/feeds/"),
    (
        "feeds_url",
        'base_url = "https://news.example.si/"\nfeeds_url = "https://news.example.si/rss/"\n',
        "https://news.example.si/rss/",
    ),
    ("feeds_url at a host's root", 'feeds_url = "https://feeds.example.si/"\n', "https://feeds.example.si/"),
]


def built(root: Path, settings: str) -> Config:
    """The test corpus (``root/seeds``), with a seed whose lead image is a local file and a local icon, built
    with ``settings`` in ``root/seedfeed.toml``."""
    from PIL import Image as Pillow

    (root / "seeds" / "images").mkdir(exist_ok=True)
    Pillow.new("RGB", (160, 80), (200, 30, 30)).save(root / "seeds" / "images" / "most.png")
    Pillow.new("RGB", (32, 32), (30, 30, 200)).save(root / "icon.png")
    (root / "seeds" / "2024-06-05-most.txt").write_text(
        "---\nimage: images/most.png\nimage_alt: Most\n---\nNovi most\nBesedilo.\nFoto: Ana Kovač\n", encoding="utf-8"
    )
    (root / "seedfeed.toml").write_text(f'[site]\n{PAGING}icon = "icon.png"\n{settings}', encoding="utf-8")
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    return config


def assert_whole(result: Crawl, config: Config, where: str) -> None:
    """Every link into the site answered 200 with its type, and the walk reached the files that matter."""
    answered = {url.removeprefix(config.site.feeds_url) for url, status in result.statuses.items() if status == 200}
    files = set(published(config))
    reached = answered & files
    print(f"{result.summary(where)}; {len(reached)} of the {len(files)} published files reached")
    assert result.problems == []
    assert answered - {""} <= files  # nothing answered that no build published
    for name in ("atom.xml", "rss.xml", "feed.json", "feeds.opml", "archive/1.atom.xml", "archive/1.rss.xml"):
        assert name in reached, name
    assert any(name.startswith("tags/") for name in reached) and any(name.startswith("sources/") for name in reached)
    assert reached == files  # every file a build published is reachable from index.html, article pages included
    assert sum(1 for name in reached if name.startswith("images/")) == 2  # the lead image and the icon


@contextmanager
def seedfeed_serve(root: Path) -> Iterator[str]:
    """``seedfeed serve --port 0`` in ``root``: yields the address its log line gives, ``http://127.0.0.1:PORT/…``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "seedfeed", "serve", "--port", "0"],
        cwd=root,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    stderr = process.stderr
    assert stderr is not None

    def read() -> None:
        for line in stderr:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        line = ""
        while " at http://" not in line:
            line = lines.get(timeout=WAIT)  # queue.Empty: the server never said where it listens
        yield line.rsplit(" at ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=15)
        reader.join(timeout=5)
        stderr.close()


@pytest.mark.parametrize(("name", "settings", "feeds_url"), CONFIGURATIONS, ids=[c[0] for c in CONFIGURATIONS])
def test_every_link_into_the_site_resolves_under_seedfeed_serve(corpus, name, settings, feeds_url) -> None:
    config = built(corpus.parent, settings)
    assert config.site.feeds_url == feeds_url
    with seedfeed_serve(corpus.parent) as address:
        path = feeds_url.split("/", 3)[3]
        assert address.endswith(f"/{path}")  # served where feeds_url says
        origin = address.removesuffix(f"/{path}")
        result = crawl(feeds_url, origin)
        from_the_address = crawl(feeds_url, origin, start="")  # the bare address answers with the index
    assert from_the_address.statuses[feeds_url] == 200 and from_the_address.problems == result.problems
    assert_whole(result, config, f"seedfeed serve, {name}")


@pytest.mark.parametrize(("name", "settings", "feeds_url"), CONFIGURATIONS[:3], ids=[c[0] for c in CONFIGURATIONS[:3]])
def test_every_link_into_the_site_resolves_under_the_documented_nginx_block(
    corpus, tmp_path, name, settings, feeds_url
) -> None:
    config = built(corpus.parent, settings)
    path = "/" + feeds_url.split("/", 3)[3]
    with documented_nginx(config.out, tmp_path / "nginx", path) as origin:
        result = crawl(feeds_url, origin)
    assert_whole(result, config, f"nginx, {name}")


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> Iterator[S3Server]:
    server = S3Server(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


def test_every_link_into_the_site_resolves_after_a_deploy_to_s3(corpus, s3, monkeypatch) -> None:
    for variable, value in CREDENTIALS.items():
        monkeypatch.setenv(variable, value)
    s3.create_bucket("crawl")
    feeds_url = f"{s3.url}/crawl/news/"  # the bucket and prefix, as the storage serves them
    config = built(corpus.parent, f'feeds_url = "{feeds_url}"\n')
    deploy(config, Settings(to=Target("crawl", "news/"), endpoint_url=s3.url))
    result = crawl(feeds_url, s3.url)
    assert_whole(result, config, "S3 deploy, feeds_url = the bucket's URL")


@pytest.mark.parametrize(
    ("content_type", "document", "expected"),
    [
        (
            "text/html; charset=utf-8",
            b'<!DOCTYPE html><html><head><link rel="alternate" href="atom.xml"></head>'
            b'<body><a href="tags/x.rss.xml#top">x</a><img src="/logo.png"><a href="mailto:a@b">m</a></body></html>',
            ["https://e.org/feeds/atom.xml", "https://e.org/feeds/tags/x.rss.xml", "https://e.org/logo.png"],
        ),
        (
            "text/x-opml; charset=utf-8",
            b'<opml version="2.0"><body><outline xmlUrl="https://e.org/feeds/rss.xml" htmlUrl="https://e.org/"/>'
            b'<outline type="link" url="https://e.org/feeds/index.html"/></body></opml>',
            ["https://e.org/feeds/rss.xml", "https://e.org/", "https://e.org/feeds/index.html"],
        ),
        (
            "application/atom+xml; charset=utf-8",
            b'<feed xmlns="http://www.w3.org/2005/Atom"><link rel="prev-archive" href="archive/2.atom.xml"/>'
            b'<entry><link rel="related" href="https://e.org/x"/></entry></feed>',
            ["https://e.org/feeds/archive/2.atom.xml", "https://e.org/x"],
        ),
        (
            "application/rss+xml; charset=utf-8",
            b'<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel><link>https://e.org/</link>'
            b'<atom:link rel="self" href="https://e.org/feeds/rss.xml"/><item><link>https://e.org/a</link>'
            b'<guid isPermaLink="false">tag:e.org,2026:a</guid><source url="https://e.org/feeds/sources/s.rss.xml">S'
            b"</source></item></channel></rss>",
            [
                "https://e.org/",
                "https://e.org/feeds/rss.xml",
                "https://e.org/a",
                "https://e.org/feeds/sources/s.rss.xml",
            ],
        ),
        (
            "application/feed+json; charset=utf-8",
            b'{"home_page_url": "https://e.org/", "feed_url": "https://e.org/feeds/feed.json", "next_url": '
            b'"https://e.org/feeds/archive/3.json", "items": [{"id": "tag:x", "url": "https://e.org/a", '
            b'"_seedfeed": {"related": [{"title": "R", "url": "https://e.org/r"}]}}]}',
            [
                "https://e.org/",
                "https://e.org/feeds/feed.json",
                "https://e.org/feeds/archive/3.json",
                "https://e.org/a",
                "https://e.org/r",
            ],
        ),
    ],
    ids=["html", "opml", "atom", "rss", "json"],
)
def test_the_crawler_finds_every_kind_of_link(content_type, document, expected) -> None:
    assert links(document, content_type, base="https://e.org/feeds/index") == expected
