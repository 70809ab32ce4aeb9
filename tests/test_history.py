"""History a person and a JSON reader can walk: JSON Feed archive pages chained by ``next_url``, and a browser
view of every archive page, linked "older stories" / "newer stories" from the subscription view to page 1."""

from __future__ import annotations

import hashlib
import json
import posixpath
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree, html

from seedfeed.build import build
from seedfeed.build.render import PageTask, render_page
from seedfeed.feeds.jsonfeed import verify_json_feed
from seedfeed.feeds.names import view_name
from seedfeed.plan.archive import archive_page
from seedfeed.store.publish import Staged
from seedfeed.store.state import State

from .conftest import NOW
from .test_archive import page_documents, write_seeds

FEEDS = "https://example.org/feeds/"
ATOM = "{http://www.w3.org/2005/Atom}"
LIMIT, PAGE, ARTICLES = 3, 2, 12  # 3 in the subscription feeds, 9 in archive pages 1 to 5 (page 5 holds one)
NEWEST = 5
#: Each format's subscription document and its archive page k.
DOCUMENTS = {
    "atom": ("atom.xml", "archive/{k}.atom.xml"),
    "rss": ("rss.xml", "archive/{k}.rss.xml"),
    "json": ("feed.json", "archive/{k}.json"),
}


@pytest.fixture
def history(make_config):
    config = make_config(limit=LIMIT, page_size=PAGE)
    slugs = write_seeds(config.seeds, ARTICLES)
    build(config, now=NOW)
    return config, slugs


def json_walk(out: Path) -> list[tuple[str, list[str]]]:
    """Follow ``next_url`` from ``feed.json``: [(file name, [item id, …]), …], each document verified."""
    documents = []
    url: str | None = f"{FEEDS}feed.json"
    while url is not None:
        name = url.removeprefix(FEEDS)
        assert name not in [n for n, _ in documents], f"next_url loops at {name}"
        data = (out / name).read_bytes()
        verify_json_feed(data)
        feed = json.loads(data)
        assert feed["feed_url"] == url
        documents.append((name, [item["id"] for item in feed["items"]]))
        url = feed.get("next_url")
    return documents


def view_links(out: Path, view: str) -> dict[str, str]:
    """The "older" and "newer" links of a view, as file names under the output directory."""
    page = html.document_fromstring((out / view).read_bytes())
    return {
        a.get("class"): posixpath.normpath(posixpath.join(posixpath.dirname(view), a.get("href")))
        for a in page.iter("a")
        if a.get("class") in ("older", "newer")
    }


def walk_views(out: Path, start: str, direction: str) -> list[str]:
    """Follow one kind of link (``older`` or ``newer``) from the view ``start``: every view met, in order."""
    met = [start]
    while (following := view_links(out, met[-1]).get(direction)) is not None:
        assert following not in met, f"the {direction} links loop at {following}"
        assert (out / following).is_file(), f"{met[-1]} links to {following}, which was not published"
        met.append(following)
    return met


def test_following_next_url_from_feed_json_reaches_every_article_exactly_once(history) -> None:
    config, slugs = history
    documents = json_walk(config.out)
    assert [name for name, _ in documents] == ["feed.json", *(f"archive/{k}.json" for k in range(NEWEST, 0, -1))]
    ids = [item for _, items in documents for item in items]
    assert len(ids) == len(set(ids)) == ARTICLES
    assert {i.rsplit(":", 1)[1] for i in ids} == set(slugs)
    assert [i.rsplit(":", 1)[1] for i in ids] == slugs[::-1]  # newest first, page after page


def test_each_json_page_holds_exactly_the_articles_of_its_atom_page(history) -> None:
    config, _ = history
    for k in range(1, NEWEST + 1):
        atom = etree.fromstring((config.out / f"archive/{k}.atom.xml").read_bytes())
        atom_ids = [e.text for e in atom.iter(f"{ATOM}entry") for e in e.iter(f"{ATOM}id")]
        items = json.loads((config.out / f"archive/{k}.json").read_bytes())["items"]
        assert [item["id"] for item in items] == atom_ids


def test_page_one_has_no_next_url(history) -> None:
    config, _ = history
    assert "next_url" not in json.loads((config.out / "archive/1.json").read_bytes())
    assert json.loads((config.out / "archive/2.json").read_bytes())["next_url"] == f"{FEEDS}archive/1.json"


def test_a_site_without_archive_pages_has_no_next_url_and_no_history_links(make_config) -> None:
    config = make_config(limit=LIMIT, page_size=PAGE)
    write_seeds(config.seeds, LIMIT)
    build(config, now=NOW)
    assert "next_url" not in json.loads((config.out / "feed.json").read_bytes())
    assert not (config.out / "archive").exists()
    for view in ("atom.html", "rss.html", "feed.html"):
        assert view_links(config.out, view) == {}


def test_every_archive_page_has_a_view_in_every_format(history) -> None:
    config, _ = history
    for k in range(1, NEWEST + 1):
        for name in page_documents(k):
            assert (config.out / name).is_file(), name
        for _, pattern in DOCUMENTS.values():
            document = pattern.format(k=k)
            page = html.document_fromstring((config.out / view_name(document)).read_bytes())
            alternate = page.find(".//link[@rel='alternate']")
            assert alternate is not None and alternate.get("href") == f"{FEEDS}{document}"


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_older_links_lead_from_the_subscription_view_to_page_one_and_newer_links_back(history, kind) -> None:
    config, _ = history
    main, pattern = DOCUMENTS[kind]
    pages = [view_name(pattern.format(k=k)) for k in range(NEWEST, 0, -1)]
    older = walk_views(config.out, view_name(main), "older")
    assert older == [view_name(main), *pages]
    assert walk_views(config.out, older[-1], "newer") == older[::-1]


def test_the_links_read_in_the_site_language(make_config) -> None:
    config = make_config(limit=1, page_size=1, language="sl")
    write_seeds(config.seeds, 2)
    build(config, now=NOW)
    page = html.document_fromstring((config.out / "archive/1.atom.html").read_bytes())
    assert [a.text for a in page.iter("a") if a.get("class")] == ["Novejše novice"]
    assert page.findtext(".//title").endswith("Arhiv, stran 1")


def test_an_emptied_archive_page_keeps_its_views_and_its_place_in_the_chains(history) -> None:
    config, slugs = history
    for slug in slugs[2:4]:  # page 2's two articles
        (config.seeds / f"{slug}.txt").unlink()
    report = build(config, now=NOW + timedelta(hours=1))
    assert set(report.written) == page_documents(2)
    assert json.loads((config.out / "archive/2.json").read_bytes())["items"] == []
    assert len(walk_views(config.out, "feed.html", "older")) == NEWEST + 1
    assert len(json_walk(config.out)) == NEWEST + 1


def test_an_edit_rewrites_only_the_documents_of_its_archive_page(history) -> None:
    config, slugs = history
    (config.seeds / f"{slugs[4]}.txt").write_text("Popravljen članek\nNovo besedilo.\n", encoding="utf-8")
    report = build(config, now=NOW + timedelta(hours=1))
    assert set(report.written) == page_documents(3) | {f"articles/{slugs[4]}.html"}  # and the article's own page
    titles = [item["title"] for item in json.loads((config.out / "archive/3.json").read_bytes())["items"]]
    assert "Popravljen članek" in titles


def test_new_articles_leave_full_pages_as_they_were_except_the_page_that_now_has_a_newer_page(history) -> None:
    config, _ = history
    before = {p: p.read_bytes() for p in config.out.rglob("*") if p.is_file()}
    added = write_seeds(config.seeds, 2, start=ARTICLES)  # two more leave the subscription: page 5 fills, 6 begins
    report = build(config, now=NOW + timedelta(hours=1))
    assert set(report.written) == {
        *("atom.xml", "rss.xml", "feed.json", "atom.html", "rss.html", "feed.html", "index.html"),
        *page_documents(5),
        *page_documents(6),
        *(f"articles/{slug}.html" for slug in added),
    }
    for k in range(1, NEWEST):
        for name in page_documents(k):
            assert (config.out / name).read_bytes() == before[config.out / name], name
    assert json.loads((config.out / "feed.json").read_bytes())["next_url"] == f"{FEEDS}archive/6.json"
    assert view_links(config.out, "archive/5.html")["newer"] == "archive/6.html"


def test_the_view_before_a_new_page_links_to_it(make_config) -> None:
    config = make_config(limit=LIMIT, page_size=PAGE)
    write_seeds(config.seeds, LIMIT + PAGE)  # page 1 full, no page 2 yet: page 1's views lead back to the subscription
    build(config, now=NOW)
    assert view_links(config.out, "archive/1.atom.html") == {"newer": "atom.html"}
    write_seeds(config.seeds, 1, start=LIMIT + PAGE)
    report = build(config, now=NOW + timedelta(hours=1))
    assert view_links(config.out, "archive/1.atom.html") == {"newer": "archive/2.atom.html"}
    assert {n for n in report.written if n.startswith("archive/1.")} == {
        "archive/1.atom.xml",  # its next-archive link: to a page that exists now, never before
        "archive/1.rss.xml",
        "archive/1.atom.html",
        "archive/1.rss.html",
        "archive/1.html",
    }  # the JSON page stays as it was: its next_url leads to older pages


@pytest.mark.parametrize("lost", ["archive/2.json", "archive/3.atom.html", "archive/4.html"])
def test_a_deleted_history_file_is_published_again(history, lost) -> None:
    config, _ = history
    before = (config.out / lost).read_bytes()
    (config.out / lost).unlink()
    report = build(config, now=NOW + timedelta(hours=1))
    assert report.written == (lost,)
    assert (config.out / lost).read_bytes() == before


def test_the_index_lists_every_json_page_and_view(history) -> None:
    config, _ = history
    index = html.document_fromstring((config.out / "index.html").read_bytes())
    hrefs = {a.get("href") for a in index.iter("a")}
    assert set().union(*(page_documents(k) for k in range(1, NEWEST + 1))) <= hrefs


def test_a_worker_renders_a_page_as_the_build_does(history) -> None:
    config, _ = history
    with State(config.state, readonly=True) as state:
        sizes = state.pages()
    for k in sizes:
        page = archive_page(k, sizes, PAGE)
        result = render_page(PageTask(config.state, config.site, page, NOW, max(sizes), config.out))
        assert not isinstance(result, str), result
        entries, rendered = result
        assert entries == len(json.loads((config.out / f"archive/{k}.json").read_bytes())["items"])
        assert {name for name, _ in rendered} == page_documents(k)
        for name, note in rendered:  # the same bytes as the build's: nothing staged
            assert note == Staged(hashlib.sha256((config.out / name).read_bytes()).hexdigest(), same=True), name
