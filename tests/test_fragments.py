"""Entries are rendered once as fragments; any document assembled from them is byte for byte feedgen's."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from seedfeed.build import build
from seedfeed.feeds.atomrss import feed_language, render_feeds
from seedfeed.feeds.entry import assemble, envelope, render_fragments, render_page
from seedfeed.feeds.names import MAIN, Page
from seedfeed.ingest.load import load_seed
from seedfeed.model import Site

from .conftest import NOW, SEEDS


@pytest.fixture
def articles():
    """The good seeds of the test corpus as dated articles, newest first."""
    found = []
    for index, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        try:
            article = load_seed(path, Site()).article
        except Exception:  # the bad seeds of the corpus
            continue
        date = article.published or NOW - timedelta(days=index)
        found.append(replace(article, published=date, updated=date + timedelta(minutes=index)))
    return sorted(found, key=lambda a: a.published, reverse=True)


@pytest.mark.parametrize(
    "page",
    [MAIN, Page(3, prev=2, next=4), Page(topic="tags/volitve", label="volitve")],
    ids=["subscription", "archive-page", "topic"],
)
def test_a_document_assembled_from_fragments_equals_feedgens(articles, page) -> None:
    site = Site(hub="https://hub.example.org/")
    for chosen in (articles, articles[1:4], articles[::-2]):
        language = feed_language(chosen, site)
        fragments = render_fragments(chosen, site, language)
        shells = envelope(site, page, language, max(a.updated for a in chosen))
        direct = render_feeds(chosen, site, page)
        assert {name: assemble(name, shell, fragments) for name, shell in shells.items()} == direct


def test_a_page_rendered_whole_gives_the_same_fragments_as_a_batch(articles) -> None:
    site = Site(language="sl")
    page = Page(3, prev=2, next=4)
    documents, fragments = render_page(articles, site, "sl", page)
    assert documents == render_feeds(articles, site, page)
    assert fragments == render_fragments(articles, site, "sl")


def test_one_fragment_serves_every_document_of_its_language(articles) -> None:
    site = Site(language="sl")
    one_by_one = [render_fragments([a], site, "sl")[0] for a in articles]
    assert one_by_one == render_fragments(articles, site, "sl")


def test_a_build_renders_each_entry_once(make_config, corpus, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    # One language for every document; pages of two: each article is in a page or the subscription feed,
    # and in its tag and source feeds.
    config = make_config(corpus, limit=3, page_size=2, language="sl")
    build(config, now=NOW)
    rendered = [r.getMessage() for r in caplog.records if r.getMessage().startswith("entries rendered:")]
    assert rendered == ["entries rendered: 10 for 10 articles in 16 documents"]


def _rendered(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("entries rendered:")]


def test_an_incremental_build_renders_only_the_edited_entry(make_config, corpus, caplog) -> None:
    from datetime import timedelta

    config = make_config(corpus, limit=3, page_size=2, language="sl")
    build(config, now=NOW)
    seed = corpus / "2024-06-01-poplave-u-zagrebu.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nDodatni odstavek.\n", encoding="utf-8")
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    build(config, now=NOW + timedelta(hours=1))
    assert _rendered(caplog)[0].startswith("entries rendered: 1 for 10 articles in ")


def test_a_new_site_title_renders_no_entry_again(make_config, corpus, caplog) -> None:
    from datetime import timedelta

    build(make_config(corpus, limit=3, page_size=2, language="sl"), now=NOW)
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    retitled = make_config(corpus, limit=3, page_size=2, language="sl", title="Novice")
    build(retitled, now=NOW + timedelta(hours=1))
    assert _rendered(caplog) == ["entries rendered: 0 for 10 articles in 16 documents"]
    assert b"<title>Novice</title>" in (retitled.out / "atom.xml").read_bytes()
