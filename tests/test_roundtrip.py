"""The shipped seed survives the trip seed → feed → feedparser without losing a field."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.ingest.load import load_seed
from seedfeed.model import Site

from .conftest import NOW, SHIPPED_SEED

ARTICLE = load_seed(SHIPPED_SEED, Site()).article
FORMATS = ["atom.xml", "rss.xml"]
RELATED_URL = "https://example.org/clanki/{slug}"
STORY_URL = "https://example.org/clanki/kim-jong-un-in-putin-v-boju-proti-imperializmu"


@pytest.fixture
def feeds(shipped, make_config) -> Path:
    # The site says where its stories are: the related story is linked by that pattern.
    config = make_config(shipped, related_url=RELATED_URL)
    build(config, now=NOW)
    return config.out


@pytest.fixture(params=FORMATS)
def parsed(request, feeds):
    return feedparser.parse(feeds / request.param)


def _entry(parsed):
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == 1
    return parsed.entries[0]


def test_shipped_seed_is_the_article_we_expect() -> None:
    assert ARTICLE.title == "Kim Jong Un zaključil šestdnevni obisk Rusije"
    assert len(ARTICLE.paragraphs) == 3
    assert [(c.role, c.name, c.via) for c in ARTICLE.credits] == [
        ("source", "Portal24", None),
        ("photo", "Jackson Hink", "X"),
    ]
    assert [s.title for s in ARTICLE.related] == ["Kim Jong Un in Putin v boju proti imperializmu"]


def test_round_trip_keeps_id_title_link_and_summary(parsed) -> None:
    entry = _entry(parsed)
    assert entry.id == ARTICLE.id == "tag:example.org,2026:2023-09-17-kim-jong-un-zakljucil-obisk-rusije"
    assert entry.title == ARTICLE.title
    assert ARTICLE.link == ""  # the seed gives no URL: the entry links to the article's own page
    assert entry.link == f"https://example.org/feeds/articles/{ARTICLE.slug}.html"
    assert unescape(entry.summary) == ARTICLE.lead


def test_round_trip_keeps_every_paragraph_in_order(parsed) -> None:
    content = unescape(_entry(parsed).content[0].value)
    positions = [content.index(f"<p>{p}</p>") for p in ARTICLE.paragraphs]
    assert positions == sorted(positions)


def test_round_trip_keeps_the_related_link_with_its_title(parsed) -> None:
    entry = _entry(parsed)
    related = [link for link in entry.links if link.rel == "related"]
    assert [(link.href, link.title) for link in related] == [(STORY_URL, s.title) for s in ARTICLE.related]
    content = unescape(entry.content[0].value)
    story = ARTICLE.related[0]
    assert "<h3>Ne spreglejte…</h3>" in content  # the heading the seed wrote
    assert f'<a href="{STORY_URL}">{story.title}</a>' in content
    assert all(line in content for line in story.teaser)
    assert f'<a href="{STORY_URL}">več tukaj</a>' in content


def test_round_trip_keeps_every_credit(parsed) -> None:
    entry = _entry(parsed)
    assert [c.name for c in entry.contributors] == ["Jackson Hink"]
    assert entry.media_credit == [
        {"role": "distribution company", "scheme": "urn:ebu", "content": "Portal24"},
        {"role": "photographer", "scheme": "urn:ebu", "content": "Jackson Hink"},
    ]
    assert entry.source.title == "Portal24"
    assert "<p><small>vir Foto: Jackson Hink X Portal24</small></p>" in unescape(entry.content[0].value)
    assert entry.author == "seedfeed"  # no author credit: the site's author, on the entry itself


def test_round_trip_keeps_language_and_dates(parsed) -> None:
    entry = _entry(parsed)
    assert parsed.feed.language == "sl"
    assert entry.published_parsed[:3] == (2023, 9, 17)
    assert entry.published_parsed == entry.updated_parsed
    assert ARTICLE.published is not None
    assert entry.published_parsed[:6] == ARTICLE.published.utctimetuple()[:6]


def test_both_formats_carry_the_same_entry(feeds) -> None:
    atom, rss = (_entry(feedparser.parse(feeds / name)) for name in FORMATS)
    for key in ("id", "title", "link", "summary", "published_parsed", "contributors", "media_credit"):
        assert atom[key] == rss[key], key


def test_feed_level_fields(parsed) -> None:
    feed = parsed.feed
    assert feed.title == "seedfeed"
    assert feed.subtitle == "News articles published with seedfeed"
    assert feed.link == "https://example.org/"
    assert feed.generator == "seedfeed"
    self_links = [link.href for link in feed.links if link.rel == "self"]
    assert self_links and self_links[0].startswith("https://example.org/feeds/")
