"""Articles → the browser view of a feed: an HTML page rendered at build time (pure).

Browsers are removing XSLT (Chromium already shows a banner over any page
that uses it), so a feed no longer carries an ``<?xml-stylesheet?>``. Each
subscription feed and each tag and source feed gets a page of its own
(``atom.xml`` → ``atom.html``, ``tags/volitve.rss.xml`` →
``tags/volitve.rss.html``), and ``seedfeed serve`` (or nginx, see the README)
answers a browser's ``Accept: text/html`` with it. No JavaScript.

Each archive page has its views too (``archive/3.atom.html``,
``archive/3.html`` for ``archive/3.json``). A format's views form one chain
a person can walk: the subscription view links "older stories" to the
newest archive page's view, each page to the page before it, down to page 1;
"newer stories" leads back, from the newest page to the subscription view.

Every character of article text is escaped. The words of the page's own
interface (the "this is a feed" note, the date format, the role of a credit
that no credit line holds) come from the site language's lexicon; the
article's words, its credit lines and related heading included, are shown as
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from ..ingest.lexicon import BY_LANGUAGE, Lexicon
from ..model import Article, Image, Site
from .face import icon_link

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: The style sheet of every page: inline, so that a page needs no other file.
STYLE = """
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { max-width: 46rem; margin: 0 auto; padding: 1rem; }
header { border-bottom: 1px solid #8884; margin-bottom: 1rem; }
.note { background: #8881; border-radius: .4rem; padding: .6rem .8rem; }
.note code { word-break: break-all; }
article { border-bottom: 1px solid #8884; padding: .5rem 0 1rem; }
article h2 { font-size: 1.2rem; margin: .4rem 0; }
.meta, .credits { color: #666c; font-size: .9rem; }
.credits { list-style: none; padding: 0; }
.related h3 { font-size: 1rem; margin-bottom: .2rem; }
img { max-width: 100%; height: auto; }
"""


def lexicon_for(language: str) -> Lexicon:
    """The lexicon of ``language`` (``sr-Latn`` → ``sr``), English when there is none."""
    return BY_LANGUAGE.get(language.split("-")[0].lower()) or BY_LANGUAGE["en"]


def format_date(value: datetime, article: Article, site_zone: str, lexicon: Lexicon) -> str:
    """``value`` in the site's time zone, in the site language's format, with the zone's abbreviation.

    A seed that gave only a day, published at that day's start, shows the
    day alone: a time of day nobody gave is not shown either.

    >>> from datetime import UTC
    >>> a = Article("i", "s", "l", "t", "sl", ("p",))
    >>> format_date(datetime(2025, 11, 21, 16, 5, tzinfo=UTC), a, "Europe/Ljubljana", lexicon_for("sl"))
    '21. 11. 2025, 17.05 CET'
    """
    from zoneinfo import ZoneInfo

    local = value.astimezone(ZoneInfo(site_zone))
    fields = {
        "d": str(local.day),
        "m": str(local.month),
        "b": _MONTHS[local.month - 1],
        "Y": f"{local.year:04d}",
        "H": f"{local.hour:02d}",
        "M": f"{local.minute:02d}",
    }
    day_only = article.day_only and value == article.published and (value.hour, value.minute, value.second) == (0, 0, 0)
    if day_only:
        return lexicon.view["date"].format(**fields)
    return f"{lexicon.view['datetime'].format(**fields)} {local.tzname()}"


def archive_title(site: Site, language: str, number: int) -> str:
    """The title of archive page ``number``'s views: the site's title and the page, in the site's language.

    >>> archive_title(Site(title="Novice"), "sl", 3)
    'Novice: Arhiv, stran 3'
    """
    return f"{site.title}: {lexicon_for(language).view['archive'].format(n=number)}"


def render_view(
    articles: Sequence[Article],
    site: Site,
    language: str,
    document: str,
    media_type: str,
    title: str,
    *,
    older: str | None = None,
    newer: str | None = None,
    entries: str | None = None,
) -> bytes:
    """The browser view of the feed ``document`` (a file name under ``feeds/``) holding ``articles``.

    ``older`` and ``newer`` name the views (file names under ``feeds/``) its
    "older stories" and "newer stories" links lead to; the links are
    relative, so the pages work wherever the output is served. ``entries`` is
    :func:`view_entries` of the articles, when the caller has it already (the
    views of one page's formats show the same entries).
    """
    lexicon = lexicon_for(language)
    address = f"{site.feeds_url}{document}"
    up = "../" * document.count("/")
    if entries is None:
        entries = view_entries(articles, site, language)
    links = "".join(
        f'<a class="{rel}" href="{escape(up + target)}">{escape(lexicon.view[rel])}</a>\n'
        for rel, target in (("newer", newer), ("older", older))
        if target is not None
    )
    nav = f'<nav class="pages">\n{links}</nav>\n' if links else ""
    page = (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="alternate" type="{escape(media_type)}" title="{escape(title)}" href="{escape(address)}">\n'
        f"{icon_link(site)}<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{escape(title)}</h1>\n"
        f"<p>{escape(site.description)}</p>\n"
        f'<p class="note">{escape(lexicon.view["note"])}<br><code>{escape(address)}</code></p>\n'
        f'<p><a href="{up}index.html">{escape(site.title)}</a></p>\n'
        f"</header>\n<main>\n{entries}</main>\n{nav}</body>\n</html>\n"
    )
    return page.encode("utf-8")


def view_entries(articles: Sequence[Article], site: Site, language: str) -> str:
    """The HTML of ``articles`` as a view of a document in ``language`` shows them."""
    lexicon = lexicon_for(language)
    return "".join(_entry(a, site, language, lexicon) for a in articles)


def _entry(article: Article, site: Site, language: str, lexicon: Lexicon) -> str:
    lang = f' lang="{escape(article.language)}"' if article.language != language else ""
    published = article.published
    if published is None:
        raise ValueError(f"{article.slug}: dates must be set before rendering")
    when = format_date(published, article, site.timezone, lexicon)
    parts = [
        f"<article{lang}>",
        f'<h2><a href="{escape(article.link)}">{escape(article.title)}</a></h2>',
        f'<p class="meta"><time datetime="{published.isoformat()}">{escape(when)}</time></p>',
        *([figure_html(article.image)] if article.image else []),
        f"<p>{escape(article.lead)}</p>",
    ]
    if article.credits or article.credit_lines:
        parts.append(f'<ul class="credits">{credits_html(article, lexicon)}</ul>')
    if article.related:
        parts.append(related_html(article, "h3"))
    parts.append("</article>\n")
    return "\n".join(parts)


def figure_html(image: Image) -> str:
    """The lead image as a ``<figure>``: ``<img>`` with its alt text (empty when the seed gives none: nobody
    described it) and its measured size, and the credit as the ``<figcaption>``."""
    size = f' width="{image.width}" height="{image.height}"' if image.width and image.height else ""
    caption = f"<figcaption>{escape(image.credit)}</figcaption>" if image.credit else ""
    return f'<figure><img src="{escape(image.url)}" alt="{escape(image.alt or "")}"{size} />{caption}</figure>'


def related_html(article: Article, heading_tag: str) -> str:
    """The related stories under the seed's own heading (none when it gave none), linked where a URL is known."""
    heading = f"<{heading_tag}>{escape(article.related_heading)}</{heading_tag}>" if article.related_heading else ""
    stories = "".join(
        f'<li><a href="{escape(s.url)}">{escape(s.title)}</a></li>' if s.url else f"<li>{escape(s.title)}</li>"
        for s in article.related
    )
    return f'<section class="related">{heading}<ul>{stories}</ul></section>'


def credits_html(article: Article, lexicon: Lexicon) -> str:
    """Each credit line as the seed wrote it (its roles in ``data-roles``); then any credit no line
    holds (front matter ``author:``) with the page's own label for its role."""
    items = []
    for line in article.credit_lines:
        roles = " ".join(dict.fromkeys(c.role for c in article.credits if c.name in line))
        items.append(f'<li data-roles="{roles}">{escape(line)}</li>')
    for credit in article.credits:
        if not any(credit.name in line for line in article.credit_lines):
            via = f" ({escape(credit.via)})" if credit.via else ""
            label = escape(lexicon.view[credit.role])
            items.append(f'<li data-roles="{credit.role}">{label}: {escape(credit.name)}{via}</li>')
    return "".join(items)
