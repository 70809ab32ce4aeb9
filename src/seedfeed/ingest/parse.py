"""Seed text → :class:`Article` (pure: no I/O, no clock).

The shape of a seed, line by line::

    ---                        optional front matter (title, date, url, author,
    key: value                 lang, tags, image, image_alt, image_credit,
    ---                        related) overriding what is inferred;
                               ``related: Title | URL`` may repeat
    Title                      the first non-blank line
    Lead paragraph.            every following line is one body paragraph…
    More paragraphs.
    vir Foto: Jackson Hink X   …except credit lines
    Ne spreglejte…             a marker opens the related stories:
    Related title              a title line, then teaser lines, the last of
    Teaser… več tukaj.         which may end with a link phrase; a URL at the
                               end of a line (or on its own) is the story's link
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import SeedError
from ..model import Article, Credit, RelatedStory, Site
from .credits import is_strong_credit_line, is_weak_credit_line, parse_credit_line
from .language import LANGUAGE_TAG, detect_language
from .lead_image import lead_image
from .lexicon import find_link_phrase, related_marker_languages
from .slug import http_url, slugify

FRONT_MATTER_KEYS = (
    "title",
    "date",
    "url",
    "author",
    "lang",
    "tags",
    "image",
    "image_alt",
    "image_credit",
    "related",
)
#: Front matter keys that may repeat, one value a line.
_REPEATABLE = ("related",)
_FILE_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?!\d)")
#: A URL ending a line of the related block, or standing alone on one.
_URL_AT_END = re.compile(r"(?:^|\s)(https?://\S+?)[.,;:!?)\]]*$", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?", "\u2026", ":", ";", ",", '"', "\u201d", "\u201c", "\u00bb", ")")

Line = tuple[int, str]  # (1-based line number, text without trailing whitespace)


@dataclass(frozen=True, slots=True)
class _Sections:
    front: dict[str, tuple[int, str]]
    title: Line
    body: list[Line]
    marker: Line | None
    related: list[Line]
    front_related: list[Line]


def parse_seed(text: str, *, name: str, site: Site, path: str | None = None) -> Article:
    """Parse the text of the seed file called ``name`` into an article.

    ``published`` comes from the front matter, else the file name's
    ``YYYY-MM-DD-`` prefix, else stays ``None`` for the build to fill from
    the state database. Raises :class:`SeedError` naming ``path`` (default
    ``name``), the reason and the line.
    """
    where = path or name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    slug = slugify(stem)
    if not slug:
        raise SeedError(where, f"file name {name!r} gives an empty slug")
    sections = _split(text, where)
    front = sections.front
    paragraphs: list[str] = []
    credits: list[Credit] = []
    credit_lines: list[str] = []
    for lineno, line in sections.body:
        if is_strong_credit_line(line) or (is_weak_credit_line(line) and _only_credits_after(lineno, sections.body)):
            credits.extend(parse_credit_line(line))
            credit_lines.append(line.strip())
        else:
            paragraphs.append(line)
    if not paragraphs:
        raise SeedError(where, "title but no body", sections.title[0])
    if "author" in front:
        credits.insert(0, Credit("author", front["author"][1]))
    zone = _zone(site, where)
    published, day_only = _published(front, name, zone, where)
    language = _language(front, sections, paragraphs, site, where)
    title_line = front.get("title", sections.title)
    title = title_line[1] if "title" in front else title_line[1].strip()
    if is_blank(title):
        raise SeedError(where, "title is blank: only spaces or invisible characters", title_line[0])
    return Article(
        id=f"{site.id_prefix}{slug}",
        slug=slug,
        link=_url(front["url"], where) if "url" in front else "",  # the build decides (plan.links.entry_link)
        title=title,
        language=language,
        paragraphs=tuple(p.strip() for p in paragraphs),
        credits=tuple(dict.fromkeys(credits)),
        related=_related(sections.related, sections.front_related, where),
        published=published,
        updated=published,
        tags=_tags(front),
        image=lead_image(front, credits, where),
        related_heading=sections.marker[1].strip() if sections.marker else None,
        credit_lines=tuple(dict.fromkeys(credit_lines)),
        day_only=day_only,
    )


#: Letters and symbols that show nothing (Hangul fillers, the Braille blank): a title of them is blank.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only white space and invisible characters.

    Invisible: format characters (Unicode category Cf: zero-width space and
    joiners, bidi marks, the soft hyphen, the BOM) and a few fillers. Such a
    title would publish an entry a reader cannot see or pick (the W3C
    validator's ``NotBlank``).

    >>> [is_blank(t) for t in ("", " \t", "\u200b\u00a0\u2060", "\u00ad\u202e", "\u3164", "A\u200b", "·")]
    [True, True, True, True, True, False, False]
    """
    return all(c.isspace() or c in _INVISIBLE or unicodedata.category(c) == "Cf" for c in text)


def _split(text: str, where: str) -> _Sections:
    lines = [(n, line.rstrip()) for n, line in enumerate(text.lstrip("\ufeff").split("\n"), 1)]
    content = [(n, line) for n, line in lines if line.strip()]
    if not content:
        raise SeedError(where, "empty: no title, no body")
    front: dict[str, tuple[int, str]] = {}
    repeated: dict[str, list[Line]] = {}
    if content[0][1].strip() == "---":
        front, repeated, content = _front_matter(content, where)
        if not content:
            raise SeedError(where, "front matter but no title and no body")
    title, rest = content[0], content[1:]
    listed = repeated.get("related", [])
    for index, (lineno, line) in enumerate(rest):
        if related_marker_languages(line):
            return _Sections(front, title, rest[:index], (lineno, line), rest[index + 1 :], listed)
    return _Sections(front, title, rest, None, [], listed)


def _front_matter(
    content: list[Line], where: str
) -> tuple[dict[str, tuple[int, str]], dict[str, list[Line]], list[Line]]:
    end = next((i for i, (_, line) in enumerate(content[1:], 1) if line.strip() == "---"), None)
    if end is None:
        raise SeedError(where, "front matter is never closed with '---'", content[0][0])
    front: dict[str, tuple[int, str]] = {}
    repeated: dict[str, list[Line]] = {}
    for lineno, line in content[1:end]:
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or not key:
            raise SeedError(where, f"front matter: expected 'key: value', got {line.strip()!r}", lineno)
        if key not in FRONT_MATTER_KEYS:
            known = ", ".join(FRONT_MATTER_KEYS)
            raise SeedError(where, f"front matter: unknown key {key!r} (known: {known})", lineno)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if not value:
            raise SeedError(where, f"front matter: {key!r} has no value", lineno)
        if key in _REPEATABLE:
            repeated.setdefault(key, []).append((lineno, value))
        else:
            front[key] = (lineno, value)
    return front, repeated, content[end + 1 :]


def _only_credits_after(lineno: int, body: list[Line]) -> bool:
    """True when every body line after ``lineno`` is a credit line too."""
    return all(is_strong_credit_line(line) or is_weak_credit_line(line) for n, line in body if n > lineno)


def _related(lines: list[Line], listed: list[Line], where: str) -> tuple[RelatedStory, ...]:
    """The related block's stories, with the URLs the seed gives; then front matter ``related:`` lines.

    A ``related: Title | URL`` line gives the URL of the block's story with
    that title, or adds a story of its own. No URL is ever made up here.
    """
    stories: list[RelatedStory] = []
    title: str | None = None
    teaser: list[str] = []
    link_text: str | None = None
    url: str | None = None
    closed = False

    def flush() -> None:
        if title is not None:
            stories.append(RelatedStory(title, tuple(teaser), url, link_text))

    for lineno, raw in lines:
        line = raw.strip()
        given = _URL_AT_END.search(line)
        if given:
            line = line[: given.start()].strip()
            if not line:  # a URL on a line of its own: the link of the story above
                if title is not None and url is None:
                    url = _url((lineno, given.group(1)), where, context="related story")
                    continue
                line = given.group(1)
                given = None
        phrase = find_link_phrase(line)
        text = line[: phrase.start()].strip() if phrase else line
        if title is None or closed or (phrase is None and _looks_like_title(line)):
            flush()
            title, teaser, link_text, url, closed = (text or line), [], None, None, False
            if given:
                url = _url((lineno, given.group(1)), where, context="related story")
            if phrase and text:
                link_text, closed = phrase.group(1), True
            continue
        if text:
            teaser.append(text)
        if given and url is None:
            url = _url((lineno, given.group(1)), where, context="related story")
        if phrase:
            link_text, closed = phrase.group(1), True
    flush()
    for lineno, value in listed:
        name, bar, address = value.rpartition("|")
        if not bar or not name.strip() or not address.strip():
            raise SeedError(where, f"front matter: related {value!r} is not 'Title | https://…'", lineno)
        link = _url((lineno, address.strip()), where, context="related")
        key = name.strip().casefold()
        at = next((i for i, story in enumerate(stories) if story.title.casefold() == key), None)
        if at is None:
            stories.append(RelatedStory(name.strip(), url=link))
        elif stories[at].url is None:
            stories[at] = RelatedStory(stories[at].title, stories[at].teaser, link, stories[at].link_text)
    return tuple(stories)


def _looks_like_title(line: str) -> bool:
    return len(line.split()) <= 20 and not line.endswith(_SENTENCE_END)


def _zone(site: Site, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SeedError(where, f"unknown time zone {site.timezone!r}") from None


def _published(
    front: dict[str, tuple[int, str]], name: str, zone: ZoneInfo, where: str
) -> tuple[datetime | None, bool]:
    """The seed's own date, and whether it gave only a day (then the start of that day in ``zone``)."""
    if "date" in front:
        lineno, value = front["date"]
        try:
            if len(value) == 10:
                return _checked(_day_start(date.fromisoformat(value), zone), value, where, lineno), True
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise SeedError(
                where, f"front matter: date {value!r} is not ISO 8601 (YYYY-MM-DD[ HH:MM[+01:00]])", lineno
            ) from None
        offset = parsed.utcoffset()
        if offset is not None and (offset.seconds % 60 or offset.microseconds):
            raise SeedError(
                where,
                f"front matter: date {value!r} has a UTC offset with seconds, which RFC 3339 and RFC 822 cannot write",
                lineno,
            )
        return _checked(parsed if parsed.tzinfo else parsed.replace(tzinfo=zone), value, where, lineno), False
    match = _FILE_DATE_RE.match(name)
    if match is None:
        return None, False
    try:
        day = date(*(int(g) for g in match.groups()))
    except ValueError:
        raise SeedError(where, f"file name date {match.group(0)} is not a calendar date") from None
    return _checked(_day_start(day, zone), f"file name date {match.group(0)}", where, None), True


#: Dates the feeds can carry: RFC 822 and RFC 3339 write four-digit years, and a day's
#: margin at each end keeps every time zone (and the one-second steps that keep
#: ``updated`` unique) inside them.
EARLIEST = datetime(1000, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def _checked(value: datetime, given: str, where: str, lineno: int | None) -> datetime:
    """``value`` if the feeds can write it; a historical zone offset with seconds becomes UTC."""
    try:
        inside = EARLIEST <= value <= LATEST
    except OverflowError:
        inside = False
    if not inside:
        what = given if given.startswith("file name") else f"front matter: date {given!r}"
        raise SeedError(where, f"{what} is out of range (years 1000 to 9999)", lineno)
    offset = value.utcoffset()
    if offset is not None and (offset.seconds % 60 or offset.microseconds):
        # Local mean time (Amsterdam until 1937: +00:19:32) cannot be written in RFC 3339:
        # the same instant in UTC can.
        return value.astimezone(UTC)
    return value


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The start of ``day`` in ``zone``: a seed that gives no time of day gets none made up."""
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def _language(
    front: dict[str, tuple[int, str]], sections: _Sections, paragraphs: list[str], site: Site, where: str
) -> str:
    """Front matter ``lang``, else the language whose markers and words the seed uses."""
    if "lang" in front:
        lineno, value = front["lang"]
        if not LANGUAGE_TAG.match(value):
            raise SeedError(
                where, f"front matter: lang {value!r} is not a language tag such as 'sl' or 'en-GB'", lineno
            )
        return value.lower() if "-" not in value else value
    return detect_language(
        sections.marker[1] if sections.marker else None,
        [line for _, line in sections.related],
        [sections.title[1], *paragraphs],
        [line for _, line in sections.body],
        site.language or "en",
    )


def _url(value: tuple[int, str], where: str, base: str | None = None, context: str = "front matter") -> str:
    lineno, text = value
    if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        text = base + text.lstrip("/")
    try:
        return http_url(text)
    except ValueError as exc:
        raise SeedError(where, f"{context}: {text!r} {exc}", lineno) from None


def _tags(front: dict[str, tuple[int, str]]) -> tuple[str, ...]:
    if "tags" not in front:
        return ()
    raw = front["tags"][1].strip().strip("[]")
    tags = (t.strip().strip("'\"").strip() for t in raw.split(","))
    return tuple(dict.fromkeys(t for t in tags if t))
