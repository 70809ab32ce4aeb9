"""Topic feeds: one per tag (front matter ``tags:``) and one per credited source, with the main feeds' guarantees."""

from __future__ import annotations

from datetime import timedelta

import feedparser
from lxml import etree

from seedfeed.build import build
from seedfeed.feeds.verify import atom_schema

from .conftest import NOW, SHIPPED_SEED


def seed(seeds, name: str, text: str) -> None:
    (seeds / name).write_text(text, encoding="utf-8")


def corpus(config) -> None:
    seed(config.seeds, "2024-01-01-a.txt", "---\ntags: Volitve, Ljubljana\n---\nA\nBesedilo.\nVir: STA\n")
    seed(config.seeds, "2024-01-02-b.txt", "---\ntags: volitve\n---\nB\nBesedilo.\nVir: Portal24\n")
    seed(config.seeds, "2024-01-03-c.txt", "C\nBesedilo.\nFoto: Bobo/STA\n")


def ids(path) -> list[str]:
    parsed = feedparser.parse(str(path))
    assert parsed.bozo == 0
    return [e.id.rsplit(":", 1)[1] for e in parsed.entries]


def test_a_feed_per_tag_and_per_source_with_its_own_id_title_and_self_link(make_config) -> None:
    config = make_config()
    corpus(config)
    build(config, now=NOW)
    assert ids(config.out / "tags/volitve.atom.xml") == ["2024-01-02-b", "2024-01-01-a"]
    assert ids(config.out / "tags/ljubljana.rss.xml") == ["2024-01-01-a"]
    assert ids(config.out / "sources/sta.atom.xml") == ["2024-01-01-a"]
    assert ids(config.out / "sources/portal24.rss.xml") == ["2024-01-02-b"]
    feed = feedparser.parse(str(config.out / "tags/volitve.atom.xml")).feed
    assert feed.title == "seedfeed: Volitve" and feed.id == "tag:example.org,2026:feeds/tags/volitve"
    assert [link.href for link in feed.links if link.rel == "self"] == [
        "https://example.org/feeds/tags/volitve.atom.xml"
    ]
    for path in config.out.glob("*/*.atom.xml"):
        assert atom_schema().validate(etree.parse(str(path)))
    page = (config.out / "tags/volitve.atom.html").read_text()  # its browser view, beside it
    assert 'href="https://example.org/feeds/tags/volitve.atom.xml"' in page and 'href="../index.html"' in page


def test_a_topic_feed_holds_its_newest_articles_and_follows_a_new_date_or_a_rejection(make_config) -> None:
    config = make_config(limit=2)
    for day in (1, 2, 3, 4):
        seed(config.seeds, f"2024-01-0{day}-t{day}.txt", f"---\ntags: Volitve\n---\nT{day}\nBesedilo.\n")
    seed(config.seeds, "2024-01-04-s4.txt", "---\ntags: Volitve\n---\nS4\nBesedilo.\n")  # same day: slug order
    build(config, now=NOW)
    assert ids(config.out / "tags/volitve.atom.xml") == ["2024-01-04-s4", "2024-01-04-t4"]
    # An edit that dates the oldest article newest moves it to the top of its topic feed.
    seed(config.seeds, "2024-01-01-t1.txt", "---\ntags: Volitve\ndate: 2024-01-05\n---\nT1\nBesedilo.\n")
    build(config, now=NOW + timedelta(hours=1))
    assert ids(config.out / "tags/volitve.rss.xml") == ["2024-01-01-t1", "2024-01-04-s4"]
    # A rejected article leaves it; the next newest takes its place.
    seed(config.seeds, "2024-01-01-t1.txt", "---\ntags: Volitve\ndate: not a date\n---\nT1\nBesedilo.\n")
    build(config, now=NOW + timedelta(hours=2))
    assert ids(config.out / "tags/volitve.atom.xml") == ["2024-01-04-s4", "2024-01-04-t4"]


def test_the_rss_source_element_points_at_the_source_feed(make_config) -> None:
    config = make_config()
    corpus(config)
    build(config, now=NOW)
    entry = feedparser.parse(str(config.out / "rss.xml")).entries[-1]
    assert entry.source.href == "https://example.org/feeds/sources/sta.rss.xml"
    assert (config.out / "sources/sta.rss.xml").exists()


def test_a_topic_feed_goes_when_its_last_article_goes(make_config) -> None:
    config = make_config()
    corpus(config)
    build(config, now=NOW)
    (config.seeds / "2024-01-01-a.txt").unlink()
    report = build(config, now=NOW + timedelta(hours=1))
    assert not (config.out / "tags/ljubljana.atom.xml").exists()
    assert not (config.out / "tags/ljubljana.rss.xml").exists()
    assert ids(config.out / "tags/volitve.atom.xml") == ["2024-01-02-b"]
    assert "tags/ljubljana" not in (config.out / "index.html").read_text()
    assert "tags/ljubljana" not in (config.out / "feeds.opml").read_text()
    assert "tags/volitve.atom.xml" in report.written
    assert {"tags/ljubljana.atom.xml", "tags/ljubljana.rss.xml", "tags/ljubljana.atom.html"} <= set(report.deleted)


def test_the_summary_line_names_what_was_removed(make_config, capsys) -> None:
    from seedfeed.cli import main

    config = make_config()
    corpus(config)
    flags = ["build", "--seeds", str(config.seeds), "--out", str(config.out)]
    assert main(flags) == 0
    (config.seeds / "2024-01-01-a.txt").unlink()
    capsys.readouterr()
    assert main(flags) == 0
    line = capsys.readouterr().out
    assert "1 removed); wrote " in line and "; removed 1 article page and 8 archive and topic documents in " in line


def test_unchanged_topic_feeds_are_not_rewritten(make_config) -> None:
    config = make_config()
    corpus(config)
    build(config, now=NOW)
    seed(config.seeds, "2024-01-04-d.txt", "---\ntags: šport\n---\nD\nBesedilo.\n")
    report = build(config, now=NOW + timedelta(hours=1))
    assert "tags/sport.atom.xml" in report.written
    assert not any(name.startswith(("tags/volitve", "sources/")) for name in report.written)


def test_a_minimum_number_of_articles_per_topic_feed(make_config) -> None:
    config = make_config(topic_min=2)
    corpus(config)
    build(config, now=NOW)
    # Volitve has two articles; STA is credited as a source once (in C it is a photo's agency).
    assert sorted(str(p.relative_to(config.out)) for p in config.out.glob("*/*.xml")) == [
        "tags/volitve.atom.xml",
        "tags/volitve.rss.xml",
    ]


def test_the_shipped_seed_has_a_portal24_source_feed(make_config, shipped) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    assert ids(config.out / "sources/portal24.atom.xml") == [SHIPPED_SEED.stem]
