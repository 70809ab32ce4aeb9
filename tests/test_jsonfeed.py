"""JSON Feed 1.1: every member the spec requires, and the same entries as the Atom feed, field by field.

Released feedparser cannot read JSON Feed, so this test reads it with ``json``.
"""

from __future__ import annotations

import json
from datetime import datetime

import feedparser
import pytest

from seedfeed.feeds.jsonfeed import verify_json_feed

from .conftest import GOLDEN

FEED = json.loads((GOLDEN / "feed.json").read_text(encoding="utf-8"))
ATOM = feedparser.parse(str(GOLDEN / "atom.xml"))


def test_top_level_members() -> None:
    assert FEED["version"] == "https://jsonfeed.org/version/1.1"
    assert FEED["title"] == ATOM.feed.title
    assert FEED["home_page_url"] == ATOM.feed.link
    assert FEED["feed_url"] == "https://example.org/feeds/feed.json"
    assert FEED["language"] == ATOM.feed.language == "sl"
    assert FEED["authors"] == [{"name": "seedfeed"}]
    assert isinstance(FEED["items"], list) and FEED["items"]


def test_items_match_the_atom_entries_in_order() -> None:
    assert len(FEED["items"]) == len(ATOM.entries)
    for item, entry in zip(FEED["items"], ATOM.entries, strict=True):
        assert item["id"] == entry.id
        assert item["url"] == entry.link
        assert item["title"] == entry.title or entry.title_detail.type == "text/html"
        assert datetime.fromisoformat(item["date_published"]).utctimetuple()[:6] == entry.published_parsed[:6]
        assert datetime.fromisoformat(item["date_modified"]).utctimetuple()[:6] == entry.updated_parsed[:6]
        assert item["content_html"].startswith("<p>")
        related = [link.href for link in entry.links if link.rel == "related"]
        assert [r["url"] for r in item["_seedfeed"]["related"] if r["url"] is not None] == related


def test_credits_and_sources_are_in_the_extension_object() -> None:
    item = next(i for i in FEED["items"] if i["id"].endswith("2023-09-17-kim-jong-un-zakljucil-obisk-rusije"))
    assert item["_seedfeed"]["credits"] == [
        {"role": "source", "name": "Portal24", "via": None},
        {"role": "photo", "name": "Jackson Hink", "via": "X"},
    ]
    entry = next(e for e in ATOM.entries if e.id == item["id"])
    assert [c.name for c in entry.contributors] == ["Jackson Hink"] and entry.source.title == "Portal24"


def test_authors_tags_image_and_per_item_language() -> None:
    items = {i["id"].rsplit(":", 1)[1]: i for i in FEED["items"]}
    election = items["2024-03-01-volitve-v-ljubljani"]
    assert election["authors"] == [{"name": "Janez Novak"}]
    assert election["tags"] == ["volitve", "Ljubljana", "politika"]
    assert election["image"] == "https://example.org/slike/volitve.jpg"
    assert items["2024-08-01-neue-bruecke-ueber-die-save"]["language"] == "de"
    assert "language" not in items["2023-09-17-kim-jong-un-zakljucil-obisk-rusije"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda f: f.update(version="1.0"), "version"),
        (lambda f: f.pop("items"), "items are required"),
        (lambda f: f["items"][0].pop("content_html"), "neither content_html"),
        (lambda f: f["items"][1].update(id=f["items"][0]["id"]), "not unique"),
    ],
)
def test_verifier_refuses_a_broken_json_feed(change, reason) -> None:
    broken = json.loads(json.dumps(FEED))
    change(broken)
    with pytest.raises(ValueError, match=reason):
        verify_json_feed(json.dumps(broken).encode())
