"""Articles → JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) bytes (pure).

The same entries, ids, dates, language and authors as the XML feeds. What
JSON Feed has no member for (credits with their role and *via*, related
stories, the source) goes into ``_seedfeed`` extension objects, as the spec
asks of extensions: a key starting with an underscore.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..model import Article, Site
from .content import content_html

VERSION = "https://jsonfeed.org/version/1.1"
JSON_FILE = "feed.json"


def render_json_feed(articles: Sequence[Article], site: Site, language: str) -> bytes:
    """The JSON Feed document of ``articles`` in the order given; deterministic bytes."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": site.title,
        "home_page_url": site.base_url,
        "feed_url": f"{site.feeds_url}{JSON_FILE}",
        "description": site.description,
        "language": language,
        "authors": [{"name": site.author}],
        "items": [_item(a, language) for a in articles],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _date(value: datetime | None) -> str:
    if value is None:
        raise ValueError("dates must be set before rendering")
    return value.isoformat()


def _item(article: Article, feed_language: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": article.id,
        "url": article.link,
        "title": article.title,
        "content_html": content_html(article),
        "summary": article.lead,
        "date_published": _date(article.published),
        "date_modified": _date(article.updated),
    }
    authors = [{"name": c.name} for c in article.credits_by("author")]
    if authors:
        item["authors"] = authors
    if article.tags:
        item["tags"] = list(article.tags)
    if article.image:
        item["image"] = article.image
    if article.language != feed_language:
        item["language"] = article.language
    item["_seedfeed"] = {
        "about": "https://pypi.org/project/seedfeed/",
        "credits": [{"role": c.role, "name": c.name, "via": c.via} for c in article.credits],
        "related": [
            {"title": s.title, "url": s.url, "teaser": list(s.teaser), "link_text": s.link_text}
            for s in article.related
        ],
    }
    return item


def verify_json_feed(data: bytes) -> None:
    """Raise ``ValueError`` unless ``data`` is a JSON Feed 1.1 with every member the spec requires."""
    feed = json.loads(data)
    if feed.get("version") != VERSION:
        raise ValueError(f"JSON Feed: version must be {VERSION}")
    if not isinstance(feed.get("title"), str) or not isinstance(feed.get("items"), list):
        raise ValueError("JSON Feed: title and items are required")
    ids = set()
    for item in feed["items"]:
        if not isinstance(item.get("id"), str) or item["id"] in ids:
            raise ValueError(f"JSON Feed: item id {item.get('id')!r} is missing or not unique")
        ids.add(item["id"])
        if "content_html" not in item and "content_text" not in item:
            raise ValueError(f"JSON Feed: item {item['id']} has neither content_html nor content_text")
        for key in ("date_published", "date_modified"):
            if key in item:
                datetime.fromisoformat(item[key])
