"""What people and readers see: the XSLT browser view, the index page and the OPML."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from seedfeed.build import build
from seedfeed.discovery import stylesheet
from seedfeed.verify import atom_schema

from .conftest import GOLDEN, NOW

XSLT = etree.XSLT(etree.fromstring(stylesheet()))


def render(name: str) -> str:
    return str(XSLT(etree.parse(str(GOLDEN / name))))


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_both_feeds_point_at_the_stylesheet_and_stay_valid(name: str) -> None:
    data = (GOLDEN / name).read_bytes()
    assert data.splitlines()[1] == b'<?xml-stylesheet type="text/xsl" href="feed.xsl"?>'
    assert feedparser.parse(data).bozo == 0
    if name == "atom.xml":
        assert atom_schema().validate(etree.fromstring(data))


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_the_browser_view_shows_the_site_the_address_and_every_entry(name: str) -> None:
    page = render(name)
    tree = html.document_fromstring(page)
    assert tree.findtext(".//h1") == "seedfeed"
    about = tree.find(".//p[@class='about']").text_content()
    assert "This is a feed: copy its address into your feed reader" in about
    assert f"https://example.org/feeds/{name}" in about
    parsed = feedparser.parse(str(GOLDEN / name))
    headings = [h.text_content() for h in tree.iter("h2")]
    assert headings == [unescape(e.title) if e.title_detail.type == "text/html" else e.title for e in parsed.entries]
    assert tree.find(".//meta[@name='viewport']") is not None and "@media" in page


def test_the_browser_view_shows_lead_date_credits_and_related_links() -> None:
    tree = html.document_fromstring(render("atom.xml"))
    article = next(a for a in tree.iter("article") if "Kim Jong Un zaključil" in a.text_content())
    assert article.find(".//time").text == "2023-09-17"
    assert article.find(".//p").text_content().startswith("Severnokorejski voditelj Kim Jong Un")
    assert "Jackson Hink" in article.find(".//p[@class='credits']").text_content()
    assert "Portal24" in article.find(".//p[@class='credits']").text_content()
    links = [(a.get("href"), a.text) for a in article.findall(".//ul[@class='related']/li/a")]
    assert links == [
        (
            "https://example.org/2023-09-13-kim-jong-un-in-putin-v-boju-proti-imperializmu",
            "Kim Jong Un in Putin v boju proti imperializmu",
        )
    ]


def test_markup_in_a_title_stays_text_in_the_browser_view() -> None:
    page = render("atom.xml")
    assert "&lt;script&gt;" in page and "<script>" not in page


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


def test_every_published_file_is_listed_or_is_the_stylesheet(make_config) -> None:
    config = make_config(limit=3, page_size=2)
    for index in range(9):
        (config.seeds / f"2024-02-{index + 1:02d}-n{index}.txt").write_text(
            f"Novica {index}\nBesedilo.\n", encoding="utf-8"
        )
    build(config, now=NOW)
    published = {str(p.relative_to(config.out)) for p in config.out.rglob("*") if p.is_file()}
    assert any(name.startswith("archive/") for name in published)
    assert published - listed(config.out) == {"feed.xsl"}
