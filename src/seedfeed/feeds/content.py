"""An article → the HTML of its feed content (pure).

Every character of seed text is escaped: text that looks like HTML or holds
``]]>`` is published as text, never as markup.
"""

from __future__ import annotations

from html import escape

from ..model import Article, RelatedStory


def content_html(article: Article) -> str:
    """The entry content: body paragraphs, related stories, the credit lines, all in the seed's words.

    The related block keeps the heading the seed wrote (none if it wrote
    none); a story is a link only where its URL is known (see
    :class:`~seedfeed.model.RelatedStory`). Credit lines are shown as written.
    """
    parts = [f"<p>{escape(p)}</p>" for p in article.paragraphs]
    if article.related:
        if article.related_heading:
            parts.append(f"<h3>{escape(article.related_heading)}</h3>")
        parts.append("<ul>" + "".join(_related_item(s) for s in article.related) + "</ul>")
    parts += [f"<p><small>{escape(line)}</small></p>" for line in article.credit_lines]
    return "\n".join(parts)


def _related_item(story: RelatedStory) -> str:
    """A story: its title and teaser, linked where its URL is known; the link phrase only with a link."""
    if story.url is None:
        return f"<li><p>{escape(story.title)}</p>" + "".join(f"<p>{escape(t)}</p>" for t in story.teaser) + "</li>"
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
