"""An article → the HTML of its feed content and the text of its credit line (pure).

Every character of seed text is escaped: text that looks like HTML or holds
``]]>`` is published as text, never as markup.
"""

from __future__ import annotations

from html import escape

from .lexicon import BY_LANGUAGE
from .model import Article, Credit, RelatedStory


def headings(language: str) -> dict[str, str]:
    """The related-block heading and credit labels in ``language`` (English when unknown)."""
    lexicon = BY_LANGUAGE.get(language.split("-")[0].lower()) or BY_LANGUAGE["en"]
    return lexicon.headings


def credit_line(article: Article) -> str:
    """The credits as one line of text, grouped by role in seed order.

    >>> from .model import Credit
    >>> a = Article("i", "s", "l", "t", "sl", ("p",),
    ...     credits=(Credit("source", "Portal24"), Credit("photo", "Jackson Hink", "X")))
    >>> credit_line(a)
    'Vir: Portal24 · Foto: Jackson Hink (X)'
    """
    labels = headings(article.language)
    groups: dict[str, list[Credit]] = {}
    for credit in article.credits:
        groups.setdefault(credit.role, []).append(credit)
    return " · ".join(
        f"{labels[role]}: " + ", ".join(_credit_name(c) for c in credits) for role, credits in groups.items()
    )


def _credit_name(credit: Credit) -> str:
    return f"{credit.name} ({credit.via})" if credit.via else credit.name


def content_html(article: Article) -> str:
    """The entry content: body paragraphs, related stories as links, the credit line."""
    parts = [f"<p>{escape(p)}</p>" for p in article.paragraphs]
    if article.related:
        parts.append(f"<h3>{escape(headings(article.language)['related'])}</h3>")
        parts.append("<ul>" + "".join(_related_item(s) for s in article.related) + "</ul>")
    if article.credits:
        parts.append(f"<p><small>{escape(credit_line(article))}</small></p>")
    return "\n".join(parts)


def _related_item(story: RelatedStory) -> str:
    url = escape(story.url)
    html = f'<li><p><a href="{url}">{escape(story.title)}</a></p>'
    for index, line in enumerate(story.teaser, 1):
        more = (
            f' <a href="{url}">{escape(story.link_text)}</a>' if story.link_text and index == len(story.teaser) else ""
        )
        html += f"<p>{escape(line)}{more}</p>"
    if story.link_text and not story.teaser:
        html += f'<p><a href="{url}">{escape(story.link_text)}</a></p>'
    return html + "</li>"
