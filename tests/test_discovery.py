"""What people and readers see: the browser view pages, the index page and the OPML."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from seedfeed.build import build
from seedfeed.feeds.html import render_view
from seedfeed.model import Article, Credit, RelatedStory, Site

from .conftest import GOLDEN, NOW

VIEWS = {"atom.html": "atom.xml", "rss.html": "rss.xml", "feed.html": "feed.json"}


def test_no_feed_asks_a_browser_for_xslt() -> None:
    for path in GOLDEN.rglob("*.xml"):
        assert b"<?xml-stylesheet" not in path.read_bytes(), path
    assert not (GOLDEN / "feed.xsl").exists()


@pytest.mark.parametrize(("view", "feed"), VIEWS.items())
def test_the_browser_view_shows_the_site_the_address_and_every_entry(view: str, feed: str) -> None:
    page = (GOLDEN / view).read_text()
    tree = html.document_fromstring(page)
    assert tree.findtext(".//h1") == "seedfeed"
    note = tree.find(".//p[@class='note']").text_content()
    assert "To je vir novic (feed): kopirajte njegov naslov v svoj bralnik novic." in note  # the site's language
    assert f"https://example.org/feeds/{feed}" in note
    parsed = feedparser.parse(str(GOLDEN / "atom.xml"))
    headings = [h.text_content() for h in tree.iter("h2")]
    assert headings == [unescape(e.title) if e.title_detail.type == "text/html" else e.title for e in parsed.entries]
    assert tree.find(".//meta[@name='viewport']") is not None
    assert tree.find(".//script") is None and "<script" not in page.lower().replace("&lt;script", "")


def test_the_browser_view_shows_lead_date_credits_and_related_links() -> None:
    tree = html.document_fromstring((GOLDEN / "atom.html").read_bytes())
    article = next(a for a in tree.iter("article") if "Kim Jong Un zaključil" in a.text_content())
    time = article.find(".//time")
    assert (time.text, time.get("datetime")) == ("17. 9. 2023", "2023-09-17T00:00:00+00:00")  # a day, no time
    assert article.findall(".//p")[1].text_content().startswith("Severnokorejski voditelj Kim Jong Un")
    credits = [(li.get("data-roles"), li.text_content()) for li in article.iter("li") if li.get("data-roles")]
    assert credits == [("source photo", "vir Foto: Jackson Hink X Portal24")]  # as the seed wrote it
    related = article.find(".//section[@class='related']")
    assert related.findtext("h3") == "Ne spreglejte…"  # the seed's own heading
    links = [(a.get("href"), a.text) for a in related.iter("a")]
    assert links == [
        (
            "https://example.org/feeds/articles/2023-09-13-kim-jong-un-in-putin-v-boju-proti-imperializmu.html",
            "Kim Jong Un in Putin v boju proti imperializmu",
        )
    ]


def test_a_topic_feed_has_its_own_page() -> None:
    tree = html.document_fromstring((GOLDEN / "tags/volitve.atom.html").read_bytes())
    assert tree.findtext(".//h1") == "seedfeed: volitve"
    assert "https://example.org/feeds/tags/volitve.atom.xml" in tree.find(".//p[@class='note']").text_content()


def test_markup_in_a_title_stays_text_in_the_browser_view() -> None:
    page = (GOLDEN / "atom.html").read_text()
    assert "&lt;script&gt;" in page and "<script>" not in page


ARTICLE = Article(
    "tag:x,2026:a",
    "a",
    "https://example.org/a",
    "Naslov",
    "sl",
    ("Prvi odstavek.",),
    credits=(Credit("source", "Reuters"), Credit("source", "AP"), Credit("photo", "Ana", "STA")),
    related=(RelatedStory("Znana", url="https://example.org/z"), RelatedStory("Neznana")),
    published=datetime(2025, 11, 21, 16, 5, tzinfo=UTC),
    updated=datetime(2025, 11, 21, 16, 5, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("language", "note", "date"),
    [
        ("sl", "To je vir novic (feed)", "21. 11. 2025, 17.05 CET"),
        ("hr", "Ovo je feed: kopirajte njegovu adresu", "21. 11. 2025. u 17:05 CET"),
        ("bs", "Ovo je feed: kopirajte njegovu adresu", "21. 11. 2025. u 17:05 CET"),
        ("sr", "Ово је фид: копирајте његову адресу", "21. 11. 2025. у 17:05 CET"),
        ("de", "Dies ist ein Feed: Kopieren Sie seine Adresse", "21.11.2025, 17:05 Uhr CET"),
        ("en", "This is a feed: copy its address", "21 Nov 2025, 17:05 CET"),
        ("fr", "This is a feed: copy its address", "21 Nov 2025, 17:05 CET"),  # English otherwise
    ],
)
def test_the_page_speaks_the_site_language_and_time_zone(language: str, note: str, date: str) -> None:
    site = Site(timezone="Europe/Ljubljana")
    page = html.document_fromstring(
        render_view([ARTICLE], site, language, "atom.xml", "application/atom+xml", "Novice")
    )
    assert note in page.find(".//p[@class='note']").text_content()
    assert page.findtext(".//time") == date


def test_every_source_shows_and_only_known_related_stories_are_links() -> None:
    page = html.document_fromstring(render_view([ARTICLE], Site(), "en", "atom.xml", "application/atom+xml", "News"))
    credits = [li.text_content() for li in page.iter("li") if li.get("data-roles")]
    assert credits == ["Source: Reuters", "Source: AP", "Photo: Ana (STA)"]  # no credit line: the page's labels
    lined = replace(ARTICLE, credit_lines=("Quelle: Reuters, AP", "Bild: Ana/STA"))
    page = html.document_fromstring(render_view([lined], Site(), "sl", "atom.xml", "application/atom+xml", "N"))
    assert [li.text_content() for li in page.iter("li") if li.get("data-roles")] == [
        "Quelle: Reuters, AP",
        "Bild: Ana/STA",
    ]
    related = page.find(".//section[@class='related']")
    assert [(li.text_content(), li.find("a") is not None) for li in related.iter("li")] == [
        ("Znana", True),
        ("Neznana", False),
    ]


def test_index_page_has_autodiscovery_links_for_every_format() -> None:
    tree = html.document_fromstring((GOLDEN / "index.html").read_bytes())
    links = {(link.get("type"), link.get("href")) for link in tree.iter("link") if link.get("rel") == "alternate"}
    assert {
        ("application/atom+xml", "atom.xml"),
        ("application/rss+xml", "rss.xml"),
        ("application/feed+json", "feed.json"),
        ("application/atom+xml", "tags/volitve.atom.xml"),
        ("application/rss+xml", "sources/portal24.rss.xml"),
    } <= links


def test_opml_lists_every_feed() -> None:
    root = etree.fromstring((GOLDEN / "feeds.opml").read_bytes())
    assert root.tag == "opml" and root.get("version") == "2.0"
    urls = [o.get("xmlUrl") for o in root.iter("outline") if o.get("type") == "rss"]
    assert urls[:3] == [f"https://example.org/feeds/{n}" for n in ("atom.xml", "rss.xml", "feed.json")]
    nested = {str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.xml") if p.parent != GOLDEN}
    assert {u.removeprefix("https://example.org/feeds/") for u in urls[3:]} == nested


def listed(out: Path) -> set[str]:
    """Every file named by the index page (links) or the OPML (xmlUrl, url)."""
    index = html.document_fromstring((out / "index.html").read_bytes())
    names = {a.get("href") for a in index.iter("a")} | {link.get("href") for link in index.iter("link")}
    for outline in etree.fromstring((out / "feeds.opml").read_bytes()).iter("outline"):
        url = outline.get("xmlUrl") or outline.get("url") or ""
        names.add(re.sub(r"^https://example\.org/feeds/", "", url))
    return names


def test_every_published_feed_and_view_is_listed(make_config) -> None:
    config = make_config(limit=3, page_size=2)
    for index in range(9):
        (config.seeds / f"2024-02-{index + 1:02d}-n{index}.txt").write_text(
            f"Novica {index}\nBesedilo.\n", encoding="utf-8"
        )
    build(config, now=NOW)
    published = {str(p.relative_to(config.out)) for p in config.out.rglob("*") if p.is_file()}
    assert any(name.startswith("archive/") for name in published)
    assert {"atom.html", "rss.html", "feed.html"} <= published  # the browser views are listed too
    pages = {name for name in published if name.startswith("articles/")}  # linked by their entries (the crawl)
    assert len(pages) == 9
    assert published - pages - listed(config.out) == set()
