"""``serve`` gives out what the builds published and nothing else, and its memory stays flat whatever is asked.

The state database, the configuration file, the seeds, a temporary or a stray
file in the output directory are private: the app asks the state which files
were published. Its response cache is keyed by the file, not by the raw path,
and bounded in bytes.
"""

from __future__ import annotations

from wsgiref.validate import validator

import pytest

from seedfeed.build import build
from seedfeed.serve import FeedApp
from seedfeed.serve.app import Published

from .conftest import NOW
from .test_serve_wsgi import call

STRAYS = ["x.sqlite3", "seedfeed.toml", "notes.txt", "draft.tmp", "tags/leftover.atom.xml", "2024-01-01-seed.txt"]


@pytest.fixture
def config(corpus, make_config):
    config = make_config(corpus, page_size=2, limit=3)
    build(config, now=NOW)
    for stray in STRAYS:
        (config.out / stray).write_text("private")
    return config


@pytest.mark.parametrize("stray", STRAYS)
def test_a_file_the_builds_did_not_publish_is_not_served(config, stray) -> None:
    app = validator(FeedApp(config.out, published=Published(config.state)))
    assert call(app, f"/{stray}")[0] == "404 Not Found"


def test_every_published_file_is_served(config) -> None:
    app = validator(FeedApp(config.out, published=Published(config.state)))
    names = [str(p.relative_to(config.out)) for p in config.out.rglob("*") if p.is_file()]
    published = [n for n in names if n not in STRAYS]
    assert len(published) > 20
    for name in published:
        assert call(app, f"/{name}")[0] == "200 OK", name


def test_a_file_a_later_build_publishes_is_served_once_it_is_there(config) -> None:
    app = validator(FeedApp(config.out, published=Published(config.state)))
    assert call(app, "/tags/nova-tema.atom.xml")[0] == "404 Not Found"
    (config.seeds / "2026-10-30-nova.txt").write_text("---\ntags: nova tema\n---\nNova\nBesedilo.\n", encoding="utf-8")
    build(config, now=NOW)
    assert call(app, "/tags/nova-tema.atom.xml")[0] == "200 OK"


def test_the_index_listing_names_only_published_feeds(config) -> None:
    (config.out / "index.html").unlink()  # the app's own listing, when the build's index is gone
    app = validator(FeedApp(config.out, published=Published(config.state)))
    status, _, body = call(app, "/")
    assert status == "200 OK" and b"atom.xml" in body and b"leftover" not in body


def test_ten_thousand_spellings_of_one_file_are_cached_once(config) -> None:
    app = FeedApp(config.out, published=Published(config.state))
    checked = validator(app)
    for n in range(10_000):
        slashes = "/" * (n % 50 + 1)
        path = f"/atom.xml{slashes}" if n % 2 else f"/tags{slashes}volitve.atom.xml"
        assert call(checked, path)[0] == "200 OK"
    entries, size = app.cache_size()
    assert entries <= 2 and size < 1024 * 1024


def test_the_cache_holds_at_most_its_bytes(config) -> None:
    app = FeedApp(config.out, published=Published(config.state), cache_bytes=20_000)
    checked = validator(app)
    names = [str(p.relative_to(config.out)) for p in sorted(config.out.rglob("*.xml"))]
    for name in [n for n in names if n not in STRAYS] * 3:
        assert call(checked, f"/{name}")[0] == "200 OK"
        assert app.cache_size()[1] <= 20_000
    assert app.cache_size()[0] >= 1
