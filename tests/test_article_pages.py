"""Every entry links to a page that exists: the seed's URL, the site's pattern, else the page seedfeed publishes."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from seedfeed.build import build, documents, workers
from seedfeed.build.render import PageTask, render_page
from seedfeed.config import Config, load_config
from seedfeed.errors import ConfigError, PublishError
from seedfeed.feeds.names import article_page
from seedfeed.store.publish import temporary

from .conftest import NOW

PAGE = "articles/2024-10-01-tramvaj.html"
SEED = """\
---
tags: promet
author: Ana Novak
image: https://cdn.example.si/tramvaj.jpg
---
"Trams & Bikes > Cars": Council backs <Green Mile> plan
Mestni svet je podprl načrt za <zeleno miljo> & kolesarske poti.
Drugi odstavek z vsem besedilom.
vir Foto: Jackson Hink X Portal24
Ne spreglejte…
Kim Jong Un in Putin v boju proti imperializmu
Ruski predsednik je govoril… več tukaj.
Zgodba brez naslova v korpusu
Teaser.
"""
CITED = "Kim Jong Un in Putin v boju proti imperializmu\nBesedilo o srečanju.\n"


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "2024-10-01-tramvaj.txt").write_text(SEED, encoding="utf-8")
    (seeds / "2023-09-13-kim.txt").write_text(CITED, encoding="utf-8")
    (seeds / "2024-10-02-own-url.txt").write_text(
        "---\nurl: https://novice.example.si/own\n---\nOwn\nBody.\n", encoding="utf-8"
    )
    return seeds


def _page(out: Path, name: str = PAGE) -> etree._Element:
    return etree.fromstring((out / name).read_bytes(), etree.XMLParser(resolve_entities=False))


def test_an_entry_without_a_url_links_to_the_article_page_seedfeed_publishes(site_dir, make_config) -> None:
    config = make_config(site_dir)
    build(config, now=NOW)
    links = {e.id.rsplit(":", 1)[1]: e.link for e in feedparser.parse(str(config.out / "atom.xml")).entries}
    assert links["2024-10-01-tramvaj"] == f"https://example.org/feeds/{PAGE}"
    assert links["2024-10-02-own-url"] == "https://novice.example.si/own"  # the seed's own URL, and no page of ours
    assert (config.out / PAGE).is_file()
    assert not (config.out / article_page("2024-10-02-own-url")).exists()
    json_items = {i["id"]: i["url"] for i in json.loads((config.out / "feed.json").read_bytes())["items"]}
    assert json_items == {f"tag:example.org,2026:{slug}": url for slug, url in links.items()}


def test_the_site_pattern_links_every_article_that_gives_no_url_and_no_page_is_published(site_dir, make_config) -> None:
    config = make_config(site_dir, article_url="https://novice.example.si/{yyyy}/{mm}/{slug}", timezone="UTC")
    build(config, now=NOW)
    links = {e.title: e.link for e in feedparser.parse(str(config.out / "atom.xml")).entries}
    assert links["Own"] == "https://novice.example.si/own"
    assert links["Kim Jong Un in Putin v boju proti imperializmu"] == "https://novice.example.si/2023/09/2023-09-13-kim"
    assert not (config.out / "articles").exists()


def test_the_article_page_carries_the_whole_article(site_dir, make_config) -> None:
    config = make_config(site_dir)
    build(config, now=NOW)
    page = _page(config.out)
    assert page.get("lang") == "sl"
    assert page.findtext("head/title") == '"Trams & Bikes > Cars": Council backs <Green Mile> plan'
    assert page.find("head/link[@rel='canonical']").get("href") == f"https://example.org/feeds/{PAGE}"
    feeds = [link.get("href") for link in page.findall("head/link[@rel='alternate']")]
    assert feeds == [f"https://example.org/feeds/{n}" for n in ("atom.xml", "rss.xml", "feed.json")]
    article = page.find("body/main/article")
    assert article.findtext("h1") == '"Trams & Bikes > Cars": Council backs <Green Mile> plan'
    assert article.findtext("p[@class='byline']") == "Avtor: Ana Novak"
    assert article.find("figure/img").get("src") == "https://cdn.example.si/tramvaj.jpg"
    body = [p.text for p in article.findall("p") if p.get("class") is None]
    assert body == [
        "Mestni svet je podprl načrt za <zeleno miljo> & kolesarske poti.",
        "Drugi odstavek z vsem besedilom.",
    ]
    assert [li.text for li in article.findall("ul[@class='credits']/li")] == [
        "vir Foto: Jackson Hink X Portal24",  # the credit line as written, then the front matter's author
        "Avtor: Ana Novak",
    ]
    related = article.find("section[@class='related']")
    assert related.findtext("h2") == "Ne spreglejte…"  # the seed's own heading
    stories = related.findall("ul/li")
    assert stories[0].find("a").get("href") == f"https://example.org/feeds/{article_page('2023-09-13-kim')}"
    assert stories[1].find("a") is None and stories[1].text == "Zgodba brez naslova v korpusu"  # no URL known
    assert page.findall(".//script") == [page.find("head/script[@type='application/ld+json']")]  # no JavaScript


def test_the_article_page_has_news_article_json_ld_and_open_graph(site_dir, make_config) -> None:
    config = make_config(site_dir, title="Novice")
    build(config, now=NOW)
    page = _page(config.out)
    data = json.loads(page.findtext("head/script"))
    assert data["@type"] == "NewsArticle" and data["@context"] == "https://schema.org"
    assert data["headline"] == '"Trams & Bikes > Cars": Council backs <Green Mile> plan'
    assert data["datePublished"] == data["dateModified"] == "2024-10-01T00:00:00+00:00"
    assert data["author"] == [{"@type": "Person", "name": "Ana Novak"}]
    assert data["publisher"]["name"] == "Novice" and data["inLanguage"] == "sl"
    assert data["image"] == ["https://cdn.example.si/tramvaj.jpg"]
    og = {m.get("property"): m.get("content") for m in page.findall("head/meta[@property]")}
    assert og["og:type"] == "article" and og["og:url"] == f"https://example.org/feeds/{PAGE}"
    assert og["og:title"] == data["headline"] and og["og:image"] == "https://cdn.example.si/tramvaj.jpg"
    assert og["og:site_name"] == "Novice" and og["article:tag"] == "promet"
    assert html.document_fromstring((config.out / PAGE).read_bytes()).find(".//meta[@name='viewport']") is not None


def test_an_edited_article_page_says_updated_and_is_the_only_page_rendered_again(site_dir, make_config) -> None:
    config = make_config(site_dir)
    build(config, now=NOW)
    seed = site_dir / "2024-10-01-tramvaj.txt"
    seed.write_text(SEED.replace("Drugi odstavek", "Popravljeni drugi odstavek"), encoding="utf-8")
    report = build(config, now=NOW + timedelta(days=1))
    assert [n for n in report.written if n.startswith("articles/")] == [PAGE]
    meta = _page(config.out).find("body/main/article/p[@class='meta']")
    assert "posodobljeno: " in "".join(meta.itertext())
    assert [t.get("datetime") for t in meta.findall("time")] == [
        "2024-10-01T00:00:00+00:00",
        "2026-11-02T12:00:00+00:00",
    ]
    assert build(config, now=NOW + timedelta(days=2)).written == ()  # nothing changed: no page written


def test_a_retitled_article_rerenders_the_pages_that_cite_it(site_dir, make_config) -> None:
    config = make_config(site_dir)
    build(config, now=NOW)
    (site_dir / "2023-09-13-kim.txt").write_text("Drug naslov\nBesedilo.\n", encoding="utf-8")
    report = build(config, now=NOW + timedelta(days=1))
    assert sorted(n for n in report.written if n.startswith("articles/")) == [article_page("2023-09-13-kim"), PAGE]
    related = _page(config.out).find("body/main/article/section[@class='related']/ul/li")
    assert related.find("a") is None  # the cited title is gone from the corpus: no link any more


def test_a_deleted_article_takes_its_page_with_it_and_a_lost_page_is_published_again(site_dir, make_config) -> None:
    config = make_config(site_dir)
    build(config, now=NOW)
    (config.out / PAGE).unlink()
    assert PAGE in build(config, now=NOW + timedelta(hours=1)).written
    (site_dir / "2024-10-01-tramvaj.txt").unlink()
    report = build(config, now=NOW + timedelta(hours=2))
    assert PAGE in report.deleted and not (config.out / PAGE).exists()


def test_an_article_page_is_published_before_the_feeds_that_link_it(site_dir, make_config) -> None:
    from seedfeed.feeds.names import publish_order

    assert sorted(["atom.xml", "archive/1.atom.xml", PAGE], key=publish_order)[0] == PAGE


@pytest.mark.parametrize(
    "pattern",
    [
        "https://novice.example.si/clanki",  # no {slug}: every article at one address
        "https://novice.example.si/{yyyy}/{slug}/{title}",  # a field nothing fills
        "ftp://novice.example.si/{slug}",
    ],
)
def test_an_article_url_pattern_that_cannot_be_an_address_is_refused(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "seedfeed.toml").write_text(f'[site]\narticle_url = "{pattern}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"site\.article_url"):
        load_config(cwd=tmp_path)


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_article_pages_rendered_in_worker_processes_are_the_pages_one_process_renders(
    tmp_path: Path, make_config, monkeypatch
) -> None:
    count = documents.PARALLEL_ARTICLES_FROM + 3  # every batch in a worker, and a short last one
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n in range(count):
        cites = f"Ne spreglejte…\nČlanek {n - 1}\nPovzetek.\n" if n else ""
        (seeds / f"2024-01-01-clanek-{n:04d}.txt").write_text(f"Članek {n}\nBesedilo {n}.\n{cites}", encoding="utf-8")
    alone, spread = tmp_path / "alone", tmp_path / "spread"
    with monkeypatch.context() as patched:
        patched.setattr(documents, "workers", lambda: 1)
        patched.setattr(workers, "workers", lambda: 1)
        config = make_config(seeds)
        report = build(replace(config, out=alone, state=tmp_path / "alone.sqlite3"), now=NOW)
    monkeypatch.setattr(documents, "workers", lambda: 2)  # also on a one-core machine
    monkeypatch.setattr(workers, "workers", lambda: 2)
    assert build(replace(config, out=spread, state=tmp_path / "spread.sqlite3"), now=NOW).written == report.written
    pages = sorted(name for name in report.written if name.startswith("articles/"))
    assert len(pages) == count
    assert _tree(spread) == _tree(alone)
    links = {a.text: a.get("href") for a in _page(spread, "articles/2024-01-01-clanek-0007.html").iter("{*}a")}
    assert links["Članek 6"] == "https://example.org/feeds/articles/2024-01-01-clanek-0006.html"  # a worker resolves


def test_an_article_page_that_fails_in_a_worker_names_its_article(
    site_dir, make_config, monkeypatch, tmp_path: Path
) -> None:
    from seedfeed.build.render import ArticleTask, Failure, render_articles
    from seedfeed.store.publish import Staged
    from seedfeed.store.state import State

    config = make_config(site_dir)
    build(config, now=NOW)
    with State(config.state, readonly=True) as state:
        slugs = tuple(sorted(state.slugs()))
    site = replace(config.site, language="sl")
    pages = ["articles/2023-09-13-kim.html", "articles/2024-10-01-tramvaj.html"]
    unpaged, made = render_articles(ArticleTask(config.state, site, config.seeds, slugs, config.out))  # type: ignore[misc]
    assert unpaged == ["2024-10-02-own-url"]  # it gives its own URL
    assert sorted(name for name, _ in made) == pages
    for name, note in made:  # the pages in place hold the same bytes: nothing staged
        assert note == Staged(hashlib.sha256((config.out / name).read_bytes()).hexdigest(), same=True), name
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "articles").mkdir(parents=True)  # the writer prepares the folders workers stage into
    _, made = render_articles(ArticleTask(config.state, site, config.seeds, slugs, elsewhere))  # type: ignore[misc]
    assert [note.same for _, note in made] == [False, False]
    for name in pages:  # staged as the writer stages, for the build to rename
        assert temporary(elsewhere / name).read_bytes() == (config.out / name).read_bytes()

    def refuse(name: str, data: bytes) -> None:
        raise ValueError("no canonical link")

    monkeypatch.setattr("seedfeed.feeds.article.verify_article_page", refuse)
    failure = render_articles(ArticleTask(config.state, site, config.seeds, slugs, config.out))
    assert failure == Failure("2023-09-13-kim", "rendering or verification failed: ValueError('no canonical link')")


def _pages_in_workers(tmp_path: Path, make_config, monkeypatch) -> Config:
    """A corpus whose archive pages are rendered in two worker processes (also on a one-core machine)."""
    monkeypatch.setattr(documents, "workers", lambda: 2)
    monkeypatch.setattr(workers, "workers", lambda: 2)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n in range(2 * documents.PARALLEL_PAGES_FROM + 2):
        (seeds / f"2024-01-{n % 28 + 1:02d}-clanek-{n:04d}.txt").write_text(
            f"Članek {n}\nBesedilo.\n", encoding="utf-8"
        )
    return make_config(seeds, page_size=2, limit=2)


def test_a_page_a_worker_cannot_stage_is_a_publish_error_naming_the_file(
    tmp_path: Path, make_config, monkeypatch
) -> None:
    config = _pages_in_workers(tmp_path, make_config, monkeypatch)
    blocker = temporary(config.out / "archive" / "3.atom.xml")
    blocker.mkdir(parents=True)  # a directory where a worker stages: no file can be created there, even by root
    with pytest.raises(PublishError, match=r"archive/\.3\.atom\.xml\.tmp: cannot write: Is a directory"):
        build(config, now=NOW)
    assert sorted(p.name for p in (config.out / "archive").iterdir()) == [blocker.name]  # nothing else left
    blocker.rmdir()
    assert "archive/3.atom.xml" in build(config, now=NOW).written


def _killed_at_page_3(task: PageTask) -> object:
    """A worker killed (the OOM killer, an operator) while it renders archive page 3."""
    if task.page.number == 3 and multiprocessing.parent_process() is not None:
        os._exit(1)
    return render_page(task)


def test_a_worker_killed_while_rendering_pages_is_one_publish_error_and_blames_no_article(
    tmp_path: Path, make_config, monkeypatch
) -> None:
    config = _pages_in_workers(tmp_path, make_config, monkeypatch)
    monkeypatch.setattr(documents, "render_page", _killed_at_page_3)
    with pytest.raises(PublishError, match=r"a worker process ended while rendering archive pages"):
        build(config, now=NOW)
    assert not (config.out / "atom.xml").exists()  # nothing published, and no seed rejected for it
    monkeypatch.setattr(documents, "render_page", render_page)
    report = build(config, now=NOW)
    assert report.rejected == () and "archive/3.atom.xml" in report.written
