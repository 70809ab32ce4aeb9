"""The words that give a seed its structure, one table per language.

Every marker the parser recognises lives here and nowhere else: credit labels
(``Foto:``, ``Vir:``), related-story markers (``Ne spreglejte…``) and link
phrases (``več tukaj``). Entries are written in :func:`normalize`'d form:
lower case, ``'`` for ``’``, no trailing ``…`` or ``:``. Adding a language is
adding a table to :data:`LEXICONS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Role


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The structural vocabulary of one language.

    ``labels`` maps a credit label to its role. ``view`` holds the words of
    the browser view's own interface (never of an article): each credit role,
    the "this is a feed" note, the "older stories" and "newer stories" links
    between archive pages, an archive page's title, and the date and time formats
    (:mod:`seedfeed.feeds.html`).
    ``stopwords`` are frequent function words that help guess the language of
    a seed that has no marker at all.
    """

    language: str
    labels: dict[str, Role]
    related_markers: tuple[str, ...]
    link_phrases: tuple[str, ...]
    stopwords: frozenset[str]
    view: dict[str, str]


#: The browser view's words in Croatian and Bosnian (Latin script); Serbian has its own, in Cyrillic.
_SOUTH_SLAVIC_LATIN_VIEW = {
    "author": "Autor",
    "photo": "Foto",
    "source": "Izvor",
    "note": "Ovo je feed: kopirajte njegovu adresu u svoj čitač feedova.",
    "older": "Starije vijesti",
    "newer": "Novije vijesti",
    "archive": "Arhiva, stranica {n}",
    "date": "{d}. {m}. {Y}.",
    "datetime": "{d}. {m}. {Y}. u {H}:{M}",
    "updated": "ažurirano",
}

_SOUTH_SLAVIC_LABELS: dict[str, Role] = {
    "izvor": "source",
    "foto": "photo",
    "fotografija": "photo",
    "fotografije": "photo",
    "autor": "author",
    "piše": "author",
    "tekst": "author",
}

LEXICONS: tuple[Lexicon, ...] = (
    Lexicon(
        language="sl",
        labels={
            "vir": "source",
            "viri": "source",
            "foto": "photo",
            "fotografija": "photo",
            "fotografije": "photo",
            "slika": "photo",
            "avtor": "author",
            "avtorica": "author",
            "piše": "author",
            "besedilo": "author",
            "pripravil": "author",
            "pripravila": "author",
        },
        related_markers=(
            "ne spreglejte",
            "preberite tudi",
            "preberi tudi",
            "sorodne novice",
            "povezane novice",
            "sorodni članki",
            "več novic",
        ),
        link_phrases=("več tukaj", "več tu", "preberite več", "preberi več", "več o tem"),
        stopwords=frozenset(
            [
                "je",
                "in",
                "da",
                "se",
                "na",
                "za",
                "so",
                "ki",
                "v",
                "z",
                "s",
                "tudi",
                "pa",
                "bo",
                "po",
                "iz",
                "kot",
                "ter",
                "bi",
                "sta",
                "lahko",
                "med",
            ]
        ),
        view={
            "author": "Avtor",
            "photo": "Foto",
            "source": "Vir",
            "note": "To je vir novic (feed): kopirajte njegov naslov v svoj bralnik novic.",
            "older": "Starejše novice",
            "newer": "Novejše novice",
            "archive": "Arhiv, stran {n}",
            "date": "{d}. {m}. {Y}",
            "datetime": "{d}. {m}. {Y}, {H}.{M}",
            "updated": "posodobljeno",
        },
    ),
    Lexicon(
        language="hr",
        labels=_SOUTH_SLAVIC_LABELS | {"slika": "photo", "autorica": "author"},
        related_markers=(
            "ne propustite",
            "pročitajte i",
            "pročitajte također",
            "povezane vijesti",
            "vezane vijesti",
            "povezano",
            "povezani članci",
        ),
        link_phrases=("više ovdje", "pročitajte više", "opširnije", "više na"),
        stopwords=frozenset(
            [
                "je",
                "i",
                "u",
                "da",
                "se",
                "na",
                "za",
                "su",
                "koji",
                "od",
                "će",
                "iz",
                "ali",
                "što",
                "kao",
                "bi",
                "koja",
                "nije",
            ]
        ),
        view=_SOUTH_SLAVIC_LATIN_VIEW,
    ),
    Lexicon(
        language="sr",
        labels=_SOUTH_SLAVIC_LABELS
        | {
            "извор": "source",
            "фото": "photo",
            "аутор": "author",
            "пише": "author",
        },
        related_markers=(
            "ne propustite",
            "pročitajte i",
            "pročitajte još",
            "pročitajte takođe",
            "povezane vesti",
            "vezane vesti",
            "не пропустите",
            "прочитајте и",
            "прочитајте још",
            "повезане вести",
        ),
        link_phrases=("više ovde", "opširnije", "детаљније", "више овде", "опширније"),
        stopwords=frozenset(
            [
                "je",
                "i",
                "u",
                "da",
                "se",
                "na",
                "za",
                "su",
                "koji",
                "od",
                "će",
                "iz",
                "ali",
                "što",
                "kao",
                "bi",
                "koje",
                "ovde",
                "vesti",
                "је",
                "и",
                "у",
                "да",
                "се",
                "на",
                "за",
                "су",
                "који",
                "од",
                "ће",
                "из",
                "али",
                "што",
                "као",
            ]
        ),
        view={
            "author": "Аутор",
            "photo": "Фото",
            "source": "Извор",
            "note": "Ово је фид: копирајте његову адресу у свој читач фидова.",
            "older": "Старије вести",
            "newer": "Новије вести",
            "archive": "Архива, страница {n}",
            "date": "{d}. {m}. {Y}.",
            "datetime": "{d}. {m}. {Y}. у {H}:{M}",
            "updated": "ажурирано",
        },
    ),
    Lexicon(
        language="bs",
        labels=_SOUTH_SLAVIC_LABELS,
        related_markers=(
            "ne propustite",
            "pročitajte i",
            "pročitajte još",
            "pročitajte također",
            "povezane vijesti",
            "vezane vijesti",
            "povezani članci",
        ),
        link_phrases=("više ovdje", "opširnije", "pročitajte više"),
        stopwords=frozenset(
            ["je", "i", "u", "da", "se", "na", "za", "su", "koji", "od", "će", "iz", "ali", "šta", "kao", "bi"]
        ),
        view=_SOUTH_SLAVIC_LATIN_VIEW,
    ),
    Lexicon(
        language="en",
        labels={
            "source": "source",
            "sources": "source",
            "photo": "photo",
            "photos": "photo",
            "image": "photo",
            "picture": "photo",
            "photo credit": "photo",
            "author": "author",
            "text": "author",
            "written by": "author",
        },
        related_markers=(
            "don't miss",
            "do not miss",
            "read also",
            "also read",
            "related",
            "related stories",
            "related articles",
            "related news",
            "see also",
            "more on this story",
        ),
        link_phrases=("read more here", "more here", "read more", "full story"),
        stopwords=frozenset(
            [
                "the",
                "and",
                "of",
                "to",
                "in",
                "is",
                "that",
                "for",
                "was",
                "with",
                "on",
                "as",
                "by",
                "it",
                "at",
                "from",
                "his",
                "her",
                "has",
                "have",
            ]
        ),
        view={
            "author": "Author",
            "photo": "Photo",
            "source": "Source",
            "note": "This is a feed: copy its address into your feed reader.",
            "older": "Older stories",
            "newer": "Newer stories",
            "archive": "Archive, page {n}",
            "date": "{d} {b} {Y}",
            "datetime": "{d} {b} {Y}, {H}:{M}",
            "updated": "updated",
        },
    ),
    Lexicon(
        language="de",
        labels={
            "quelle": "source",
            "foto": "photo",
            "fotos": "photo",
            "bild": "photo",
            "bildquelle": "photo",
            "autor": "author",
            "autorin": "author",
            "text": "author",
        },
        related_markers=(
            "nicht verpassen",
            "lesen sie auch",
            "auch interessant",
            "mehr zum thema",
            "verwandte artikel",
            "siehe auch",
            "das könnte sie auch interessieren",
        ),
        link_phrases=("mehr hier", "hier mehr", "weiterlesen", "mehr dazu", "mehr lesen"),
        stopwords=frozenset(
            [
                "der",
                "die",
                "das",
                "und",
                "ist",
                "nicht",
                "mit",
                "von",
                "den",
                "zu",
                "im",
                "dem",
                "des",
                "ein",
                "eine",
                "auf",
                "sich",
                "auch",
            ]
        ),
        view={
            "author": "Autor",
            "photo": "Foto",
            "source": "Quelle",
            "note": "Dies ist ein Feed: Kopieren Sie seine Adresse in Ihren Feedreader.",
            "older": "Ältere Meldungen",
            "newer": "Neuere Meldungen",
            "archive": "Archiv, Seite {n}",
            "date": "{d}.{m}.{Y}",
            "datetime": "{d}.{m}.{Y}, {H}:{M} Uhr",
            "updated": "aktualisiert",
        },
    ),
)

BY_LANGUAGE: dict[str, Lexicon] = {lex.language: lex for lex in LEXICONS}

#: Platforms a credit can come through: ``Foto: Jackson Hink X`` is via ``X``.
#: Matched as whole words, case-insensitively, except that the one-letter ``X``
#: must be upper case (a lone lower-case ``x`` is too common to mean Twitter).
PLATFORMS: tuple[str, ...] = (
    "X",
    "Twitter",
    "Facebook",
    "Instagram",
    "YouTube",
    "TikTok",
    "Telegram",
    "Threads",
    "LinkedIn",
    "Reddit",
    "Bluesky",
    "Mastodon",
    "Flickr",
    "Pixabay",
    "Unsplash",
    "Pexels",
    "Shutterstock",
    "Profimedia",
    "Wikimedia Commons",
    "Wikipedia",
)


def normalize(line: str) -> str:
    """Fold a line for marker matching.

    >>> normalize("  Ne spreglejte... ")
    'ne spreglejte'
    >>> normalize("Don’t miss:")
    "don't miss"
    """
    text = " ".join(line.replace("\u2019", "'").replace("...", "\u2026").split()).casefold()
    return text.rstrip(":").rstrip().rstrip("\u2026").rstrip().rstrip(":").rstrip()


def _alternation(words: set[str]) -> str:
    # Longest first, so "photo credit" wins over "photo".
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


ALL_LABELS: dict[str, Role] = {}
for _lex in LEXICONS:
    for _label, _role in _lex.labels.items():
        ALL_LABELS.setdefault(_label, _role)

#: A credit label, as a whole word, with its optional colon.
LABEL_RE = re.compile(rf"(?<!\w)({_alternation(set(ALL_LABELS))})(?!\w)\s*(:)?", re.IGNORECASE)

#: A link phrase at the very end of a line, with trailing punctuation.
LINK_PHRASE_RE = re.compile(
    rf"\s*(?<!\w)({_alternation({p for lex in LEXICONS for p in lex.link_phrases})})"
    r"\s*[.!:»>›\u2026]*\s*$",
    re.IGNORECASE,
)

PLATFORM_RE = re.compile(r"(?<!\w)(X|(?i:" + _alternation(set(PLATFORMS) - {"X"}) + r"))(?!\w)")


_LONGEST_MARKER = max(len(m) for lex in LEXICONS for m in lex.related_markers)
_LONGEST_PHRASE = max(len(p) for lex in LEXICONS for p in lex.link_phrases)


def related_marker_languages(line: str) -> tuple[str, ...]:
    """The languages in which ``line`` is a related-story marker (empty: not a marker)."""
    if len(line) > 2 * _LONGEST_MARKER:  # body paragraphs: no need to fold them
        return ()
    folded = normalize(line)
    return tuple(lex.language for lex in LEXICONS if folded in lex.related_markers)


def find_link_phrase(line: str) -> re.Match[str] | None:
    """The link phrase that ends ``line`` (``… več tukaj.``), searched in its tail only."""
    offset = max(0, len(line) - 2 * _LONGEST_PHRASE)
    return LINK_PHRASE_RE.search(line, offset)
