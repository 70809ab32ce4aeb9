"""An article → its own HTML page, for an article whose seed gives no URL (pure).

The entry of an article that gives no ``url:``, on a site with no
``article_url`` pattern, links to ``articles/<slug>.html``: this page. It
carries everything the entry does, as a person reads it: the title, the
byline, the publication date (and "updated" with its date once the article
was edited), the lead image, the whole body, the credit lines as the seed
wrote them and the related stories under the seed's own heading, linked
where a URL is known. For machines: ``<link rel="canonical">``, the feeds'
autodiscovery links, schema.org ``NewsArticle`` JSON-LD and Open Graph
tags. No JavaScript (JSON-LD is data, not a script a browser runs).

The page is well-formed XML as well as HTML (every element closed, every
character escaped), so :func:`verify_article_page` checks it with a strict
XML parser before it may be published.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ..model import Article, Site
from . import FORMATS
from .face import icon_link
from .html import STYLE, credits_html, figure_html, format_date, lexicon_for, related_html
from .names import INDEX_FILE

_ARTICLE_STYLE = """
main { overflow-wrap: anywhere; }
article h1 { font-size: 1.8rem; line-height: 1.2; margin: .6rem 0; }
figure { margin: 1rem 0; }
.related h2 { font-size: 1.1rem; margin-bottom: .2rem; }
.byline { font-weight: 600; margin: 0; }
"""


def render_article(article: Article, site: Site, language: str) -> bytes:
    """The page of ``article`` in a document of ``language`` (the site's); deterministic bytes."""
    if article.published is None or article.updated is None:
        raise ValueError(f"{article.slug}: dates must be set before rendering")
    lexicon = lexicon_for(language)
    lang = f' lang="{escape(article.language)}"' if article.language != language else ""
    meta = [f'<time datetime="{article.published.isoformat()}">{escape(_when(article, site, language))}</time>']
    if article.updated != article.published:
        when = format_date(article.updated, article, site.timezone, lexicon)
        meta.append(
            f'{escape(lexicon.view["updated"])}: <time datetime="{article.updated.isoformat()}">{escape(when)}</time>'
        )
    authors = [c.name for c in article.credits_by("author")]
    byline = (
        f'<p class="byline">{escape(lexicon.view["author"])}: {escape(", ".join(authors))}</p>\n' if authors else ""
    )
    image = figure_html(article.image) + "\n" if article.image else ""
    body = "".join(f"<p>{escape(p)}</p>\n" for p in article.paragraphs)
    credits = (
        f'<ul class="credits">{credits_html(article, lexicon)}</ul>\n'
        if article.credit_lines or article.credits
        else ""
    )
    related = related_html(article, "h2") + "\n" if article.related else ""
    page = (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{escape(article.title)}</title>\n"
        f'<link rel="canonical" href="{escape(article.link)}" />\n'
        f"{_discovery(site)}{icon_link(site)}{_open_graph(article, site)}"
        f'<script type="application/ld+json">{_json_ld(article, site)}</script>\n'
        f"<style>{STYLE}{_ARTICLE_STYLE}</style>\n</head>\n<body>\n"
        f'<header><p><a href="../{INDEX_FILE}">{escape(site.title)}</a></p></header>\n'
        f"<main>\n<article{lang}>\n<h1>{escape(article.title)}</h1>\n{byline}"
        f'<p class="meta">{" · ".join(meta)}</p>\n{image}{body}{credits}{related}</article>\n</main>\n'
        "</body>\n</html>\n"
    )
    return page.encode("utf-8")


def _when(article: Article, site: Site, language: str) -> str:
    assert article.published is not None
    return format_date(article.published, article, site.timezone, lexicon_for(language))


def _discovery(site: Site) -> str:
    """A ``<link rel="alternate">`` to each subscription feed, for browsers and readers that look for one."""
    return "".join(
        f'<link rel="alternate" type="{fmt.media_type}" title="{escape(site.title)} ({fmt.label})" '
        f'href="{escape(site.feeds_url + fmt.main)}" />\n'
        for fmt in FORMATS
    )


def _open_graph(article: Article, site: Site) -> str:
    assert article.published is not None and article.updated is not None
    tags: list[tuple[str, str]] = [
        ("og:type", "article"),
        ("og:title", article.title),
        ("og:description", article.lead),
        ("og:url", article.link),
        ("og:site_name", site.title),
    ]
    image = article.image
    if image is not None:
        tags.append(("og:image", image.url))
        if image.media_type:
            tags.append(("og:image:type", image.media_type))
        if image.width and image.height:
            tags += [("og:image:width", str(image.width)), ("og:image:height", str(image.height))]
        if image.alt:
            tags.append(("og:image:alt", image.alt))
    tags += [
        ("article:published_time", article.published.isoformat()),
        ("article:modified_time", article.updated.isoformat()),
    ]
    tags += [("article:tag", tag) for tag in article.tags]
    return "".join(f'<meta property="{name}" content="{escape(value)}" />\n' for name, value in tags)


def json_ld(article: Article, site: Site) -> dict[str, Any]:
    """The schema.org ``NewsArticle`` of the page.

    The authors are the seed's author credits; with none, the site's author
    as an organisation, as the feeds say (their ``<author>``).
    """
    assert article.published is not None and article.updated is not None
    authors = [{"@type": "Person", "name": c.name} for c in article.credits_by("author")]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "url": article.link,
        "mainEntityOfPage": article.link,
        "datePublished": article.published.isoformat(),
        "dateModified": article.updated.isoformat(),
        "author": authors or [{"@type": "Organization", "name": site.author}],
        "publisher": {"@type": "Organization", "name": site.title, "url": site.base_url},
        "inLanguage": article.language,
    }
    if article.image:
        data["image"] = [article.image.url]
    if article.tags:
        data["keywords"] = list(article.tags)
    return data


def _json_ld(article: Article, site: Site) -> str:
    """The JSON-LD as the text of a ``<script>``: ``<``, ``>`` and ``&`` as JSON escapes, so no text of the
    article can end the element or be read as markup (by an HTML or an XML parser)."""
    text = json.dumps(json_ld(article, site), ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def verify_article_page(name: str, data: bytes) -> None:
    """Raise ``ValueError`` unless ``data`` is a well-formed article page whose JSON-LD parses.

    Checked: a strict XML parse (no entities, no network), one canonical link
    whose address ends in ``name`` (the page's own), a ``NewsArticle`` JSON-LD
    with a headline, and no script a browser would run.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"article page is not well-formed: {exc}") from None
    canonical = root.findall("head/link[@rel='canonical']")
    if len(canonical) != 1 or not str(canonical[0].get("href", "")).endswith(name):
        raise ValueError(f"article page {name} has no canonical link to itself")
    scripts = root.findall(".//script")
    if [s.get("type") for s in scripts] != ["application/ld+json"]:
        raise ValueError("article page has a script other than its one JSON-LD")
    try:
        data_ld = json.loads(scripts[0].text or "")
    except ValueError as exc:
        raise ValueError(f"article page's JSON-LD does not parse: {exc}") from None
    if data_ld.get("@type") != "NewsArticle" or not data_ld.get("headline"):
        raise ValueError("article page's JSON-LD is not a NewsArticle with a headline")
