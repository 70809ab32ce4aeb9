"""RFC 5005 archives: the subscription feeds hold the newest ``limit``; every older entry is in exactly one page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from seedfeed.build import build
from seedfeed.feeds.verify import atom_schema, verify_feed

from .conftest import NOW

FH = "{http://purl.org/syndication/history/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"
LIMIT, PAGE = 5, 4


def write_seeds(seeds: Path, count: int, start: int = 0) -> list[str]:
    slugs = []
    for index in range(start, start + count):
        day = date(2024, 1, 1) + timedelta(days=index)
        slug = f"{day.isoformat()}-clanek-{index:03d}"
        (seeds / f"{slug}.txt").write_text(f"Članek {index}\nBesedilo članka {index}.\n", encoding="utf-8")
        slugs.append(slug)
    return slugs


@pytest.fixture
def archive(make_config):
    config = make_config(limit=LIMIT, page_size=PAGE)
    slugs = write_seeds(config.seeds, 23)
    build(config, now=NOW)
    return config, slugs


def walk(out: Path, kind: str) -> list[tuple[str, list[str]]]:
    """Follow prev-archive from the subscription feed: [(file name, [entry slug, …]), …]."""
    documents = []
    url: str | None = f"https://example.org/feeds/{kind}.xml"
    seen = set()
    while url:
        name = url.removeprefix("https://example.org/feeds/")
        assert name not in seen, f"the chain loops at {name}"
        seen.add(name)
        parsed = feedparser.parse(str(out / name))
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        documents.append((name, [e.id.rsplit(":", 1)[1] for e in parsed.entries]))
        url = next((link.href for link in parsed.feed.links if link.rel == "prev-archive"), None)
    return documents


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_walking_prev_archive_finds_every_article_exactly_once(archive, kind) -> None:
    config, slugs = archive
    documents = walk(config.out, kind)
    assert [name for name, _ in documents] == [f"{kind}.xml", *(f"archive/{k}.{kind}.xml" for k in (5, 4, 3, 2, 1))]
    found = [slug for _, entries in documents for slug in entries]
    assert sorted(found) == sorted(slugs) and len(found) == len(set(found))
    assert documents[0][1] == slugs[::-1][:LIMIT]  # the newest five, newest first
    assert documents[-1][1] == slugs[:PAGE][::-1]  # page 1 holds the oldest


def test_archive_pages_carry_fh_archive_current_and_next_links(archive) -> None:
    config, _ = archive
    for number in range(1, 6):
        for kind in ("atom", "rss"):
            data = (config.out / f"archive/{number}.{kind}.xml").read_bytes()
            verify_feed(data, kind)
            root = etree.fromstring(data)
            assert root.find(f".//{FH}archive") is not None
            links = {link.get("rel"): link.get("href") for link in root.iter(f"{ATOM}link")}
            assert links["current"] == f"https://example.org/feeds/{kind}.xml"
            assert links["self"] == f"https://example.org/feeds/archive/{number}.{kind}.xml"
            assert ("prev-archive" in links) == (number > 1)
            assert ("next-archive" in links) == (number < 5)  # page 5 holds 2 of 4: nothing follows it yet
        assert atom_schema().validate(etree.fromstring((config.out / f"archive/{number}.atom.xml").read_bytes()))
    main = etree.fromstring((config.out / "atom.xml").read_bytes())
    assert main.find(f".//{FH}archive") is None


def page_documents(number: int) -> set[str]:
    """Every file of archive page ``number``: Atom, RSS, JSON Feed, and the browser view of each."""
    feeds = {f"archive/{number}.atom.xml", f"archive/{number}.rss.xml", f"archive/{number}.json"}
    views = {f"archive/{number}.atom.html", f"archive/{number}.rss.html", f"archive/{number}.html"}
    return feeds | views


def _stamps(out: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*.xml")}


def test_new_articles_never_change_a_full_page(archive) -> None:
    config, _ = archive
    before = _stamps(config.out)
    added = write_seeds(config.seeds, 6, start=23)
    report = build(config, now=NOW + timedelta(hours=1))
    after = _stamps(config.out)
    for number in (1, 2, 3, 4):
        for kind in ("atom", "rss"):
            assert after[f"archive/{number}.{kind}.xml"] == before[f"archive/{number}.{kind}.xml"]
    assert set(report.written) == {
        "atom.xml",
        "feed.json",
        "rss.xml",
        "atom.html",  # the browser views of the subscription feeds
        "rss.html",
        "feed.html",
        "index.html",  # it lists the new page 6
        *page_documents(5),
        *page_documents(6),
        *(f"articles/{slug}.html" for slug in added),  # the new articles' own pages, and no other
    }


def test_editing_an_old_article_rewrites_only_its_page(archive) -> None:
    config, slugs = archive
    (config.seeds / f"{slugs[5]}.txt").write_text("Popravljen članek\nNovo besedilo.\n", encoding="utf-8")
    report = build(config, now=NOW + timedelta(hours=1))
    assert set(report.written) == page_documents(2) | {f"articles/{slugs[5]}.html"}
    page = feedparser.parse(str(config.out / "archive/2.atom.xml"))
    assert "Popravljen članek" in [e.title for e in page.entries]


def test_deleting_an_old_article_rewrites_its_page_and_nothing_else(archive) -> None:
    config, slugs = archive
    (config.seeds / f"{slugs[1]}.txt").unlink()
    report = build(config, now=NOW + timedelta(hours=1))
    assert set(report.written) == page_documents(1)
    assert len(feedparser.parse(str(config.out / "archive/1.rss.xml")).entries) == PAGE - 1
    links = {link.rel for link in feedparser.parse(str(config.out / "archive/1.atom.xml")).feed.links}
    assert "next-archive" in links  # a page that lost an entry still points on


def test_subscription_feed_points_at_the_newest_page(archive) -> None:
    config, _ = archive
    links = {link.rel: link.href for link in feedparser.parse(str(config.out / "rss.xml")).feed.links}
    assert links["prev-archive"] == "https://example.org/feeds/archive/5.rss.xml"


def test_a_deleted_archive_file_is_written_again(archive) -> None:
    config, _ = archive
    (config.out / "archive/3.atom.xml").unlink()
    assert build(config, now=NOW + timedelta(hours=1)).written == ("archive/3.atom.xml",)
