"""One registry of output formats: the build, the discovery page, the OPML and the server all follow it."""

from __future__ import annotations

from lxml import etree, html

from seedfeed.build import build
from seedfeed.feeds import FORMATS, PAGED, format_of, media_type

from .conftest import NOW


def test_every_format_is_published_listed_and_served_with_its_media_type(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    index = html.document_fromstring((config.out / "index.html").read_bytes())
    alternates = {link.get("href"): link.get("type") for link in index.findall(".//link[@rel='alternate']")}
    opml = {
        o.get("xmlUrl", "").rsplit("/feeds/", 1)[-1] for o in etree.parse(config.out / "feeds.opml").iter("outline")
    }
    for fmt in FORMATS:
        assert (config.out / fmt.main).is_file()
        assert alternates[fmt.main] == fmt.media_type
        assert fmt.main in opml
        assert media_type(fmt.main) == f"{fmt.media_type}; charset=utf-8"
        fmt.verify((config.out / fmt.main).read_bytes(), True)


def test_paged_formats_have_topic_feeds_in_each_format(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    for fmt in PAGED:
        assert (config.out / fmt.document("sources/portal24")).is_file()
        assert media_type(fmt.document("sources/portal24")) == f"{fmt.media_type}; charset=utf-8"


def test_a_file_that_is_not_a_feed_has_no_format() -> None:
    assert [format_of(name) for name in ("index.html", "feeds.opml", "feed.xsl", "notes.json")] == [None] * 4
