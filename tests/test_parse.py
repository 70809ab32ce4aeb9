"""The seed format: how a seed's lines become an article.

Each ``tests/seeds/*.txt`` has its expected parse beside it as ``*.json``
(for a bad seed: the error). A new shape is a new pair of files;
``pytest --update-golden`` rewrites the JSON, to be reviewed in the diff.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from seedfeed.errors import SeedError
from seedfeed.ingest.credits import parse_credit_line
from seedfeed.ingest.lexicon import LEXICONS, normalize, related_marker_languages
from seedfeed.ingest.load import load_seed
from seedfeed.ingest.parse import parse_seed
from seedfeed.model import Credit, Site

from .conftest import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def _as_json(path: Path) -> dict[str, object]:
    try:
        article = load_seed(path, Site()).article
    except SeedError as error:
        return {"error": error.reason, "line": error.line}
    return json.loads(json.dumps(dataclasses.asdict(article), default=lambda v: v.isoformat()))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_parses_as_its_golden_json(path: Path, update_golden: bool) -> None:
    golden = path.with_suffix(".json")
    actual = _as_json(path)
    if update_golden:
        golden.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


def test_every_test_seed_has_a_golden_json() -> None:
    assert sorted(p.stem for p in SEEDS.glob("*.json")) == sorted(p.stem for p in SEED_FILES)


def test_the_corpus_covers_every_bad_input_class() -> None:
    errors = " | ".join(str(_as_json(p).get("error", "")) for p in SEED_FILES)
    for reason in (
        "empty",
        "title but no body",
        "binary file",
        "undecodable",
        "control characters",
        "never closed",
        "unknown key",
        "not a calendar date",
    ):
        assert reason in errors


def parse(text: str, name: str = "2024-01-02-test.txt", **site: object) -> object:
    return parse_seed(text, name=name, site=Site(**site))  # type: ignore[arg-type]


# --- title and body -----------------------------------------------------------------


def test_first_non_blank_line_is_the_title_and_each_following_line_a_paragraph() -> None:
    article = parse("\n\n  Title  \nFirst.\n\nSecond.\n")
    assert article.title == "Title"
    assert article.paragraphs == ("First.", "Second.")
    assert article.lead == "First."


def test_title_and_credit_and_related_lines_are_not_paragraphs() -> None:
    article = parse("Title\nBody.\nVir: STA\nNe spreglejte…\nOther story\nTeaser.\n")
    assert article.paragraphs == ("Body.",)


def test_title_without_body_is_rejected_with_its_line() -> None:
    with pytest.raises(SeedError) as caught:
        parse("\n\nOnly a title\nVir: STA\n", name="x.txt")
    assert (caught.value.reason, caught.value.line) == ("title but no body", 3)
    assert str(caught.value) == "x.txt:3: title but no body"


# --- credits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "credits"),
    [
        ("vir Foto: Jackson Hink X Portal24", [Credit("source", "Portal24"), Credit("photo", "Jackson Hink", "X")]),
        ("Vir: STA Foto: Bobo", [Credit("source", "STA"), Credit("photo", "Bobo")]),
        ("Foto: Ana Kovač/STA", [Credit("photo", "Ana Kovač", "STA")]),
        (
            "Source: Reuters Photo: Jane Doe Instagram",
            [Credit("source", "Reuters"), Credit("photo", "Jane Doe", "Instagram")],
        ),
        ("Source: Reuters, AP", [Credit("source", "Reuters"), Credit("source", "AP")]),
        ("Izvor: Hina", [Credit("source", "Hina")]),
        ("Quelle: dpa Foto: Max Mustermann", [Credit("source", "dpa"), Credit("photo", "Max Mustermann")]),
        ("Извор: Танјуг", [Credit("source", "Танјуг")]),
        ("Avtor: Janez Novak, Foto: Bobo", [Credit("author", "Janez Novak"), Credit("photo", "Bobo")]),
        ("Vir: STA / Foto: Ana Vir", [Credit("source", "STA"), Credit("photo", "Ana Vir")]),
        ("FOTO: Bobo", [Credit("photo", "Bobo")]),
    ],
)
def test_credit_line_is_parsed_into_role_name_and_via(line: str, credits: list[Credit]) -> None:
    assert list(parse_credit_line(line)) == credits


def test_colonless_short_label_line_is_a_credit_only_at_the_end_of_the_body() -> None:
    assert parse("T\nBody.\nFoto STA\n").credits == (Credit("photo", "STA"),)
    middle = parse("T\nFoto finish in Monaco\nBody.\n")
    assert middle.paragraphs == ("Foto finish in Monaco", "Body.") and middle.credits == ()


def test_front_matter_author_is_an_author_credit() -> None:
    article = parse("---\nauthor: Janez Novak\n---\nT\nBody.\n")
    assert article.credits == (Credit("author", "Janez Novak"),)


# --- related stories ------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    [
        "Ne spreglejte…",
        "Ne spreglejte...",
        "NE SPREGLEJTE",
        "ne spreglejte:",
        "Preberite tudi:",
        "Don't miss",
        "Don’t miss…",
        "Read also:",
        "Related",
        "Pročitajte i",
        "Ne propustite",
        "Lesen Sie auch",
        "Прочитајте још",
    ],
)
def test_related_markers_match_case_insensitively_with_dots_and_colon(marker: str) -> None:
    assert related_marker_languages(marker)
    article = parse(f"T\nBody.\n{marker}\nOther story\nIts teaser.\n")
    assert [s.title for s in article.related] == ["Other story"]


def test_link_phrase_ends_a_story_and_is_not_teaser_text() -> None:
    article = parse("T\nBody.\nNe spreglejte…\nA\nTeaser one.\nTeaser two… več tukaj.\nB\nTeaser b.\n")
    first, second = article.related
    assert first.teaser == ("Teaser one.", "Teaser two…")
    assert first.link_text == "več tukaj"
    assert (second.title, second.teaser, second.link_text) == ("B", ("Teaser b.",), None)


def test_a_related_story_nobody_gave_a_url_for_has_none() -> None:
    article = parse("T\nBody.\nRelated\nŠolsko leto se začne\n", base_url="https://n.example/")
    assert article.related[0].url is None


def test_a_url_in_the_related_block_is_the_story_s_link() -> None:
    text = (
        "T\nBody.\nRead also\n"
        "First story https://n.example/first\n"
        "Second story\nIts teaser. More here https://n.example/second.\n"
        "Third story\nhttps://n.example/third\n"
    )
    article = parse(text)
    assert [(s.title, s.url) for s in article.related] == [
        ("First story", "https://n.example/first"),
        ("Second story", "https://n.example/second"),
        ("Third story", "https://n.example/third"),
    ]
    assert article.related[1].teaser == ("Its teaser.",)


def test_front_matter_related_lines_give_urls_and_stories() -> None:
    text = (
        "---\nrelated: Known story | https://n.example/known\nrelated: Extra | https://n.example/extra\n---\n"
        "T\nBody.\nRead also\nKnown story\nA teaser.\n"
    )
    article = parse(text)
    assert [(s.title, s.url, s.teaser) for s in article.related] == [
        ("Known story", "https://n.example/known", ("A teaser.",)),
        ("Extra", "https://n.example/extra", ()),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\nrelated: no url here\n---\nT\nBody.\n", "not 'Title | https://…'"),
        ("---\nrelated: X | ftp://n.example/\n---\nT\nBody.\n", "related: 'ftp://n.example/'"),
        ("T\nBody.\nRead also\nStory https://exa mple.org/\n", None),
        ("T\nBody.\nRead also\nStory https://bad_host!/x\n", "related story:"),
    ],
    ids=["no-url", "not-http", "space-ends-url-text", "bad-host"],
)
def test_a_related_url_that_is_not_an_http_url_is_one_clear_error(text: str, reason: str | None) -> None:
    if reason is None:  # "https://exa" then "mple.org/": the URL is not at the end: the line is text
        assert parse(text).related[0].url is None
        return
    with pytest.raises(SeedError, match=re.escape(reason)):
        parse(text)


def test_the_related_heading_and_credit_lines_are_kept_as_written() -> None:
    article = parse("T\nBody.\nPiše: Peter Kos\nBild: Christoph Soeder/dpa\nPročitajte i:\nStory\n")
    assert article.related_heading == "Pročitajte i:"
    assert article.credit_lines == ("Piše: Peter Kos", "Bild: Christoph Soeder/dpa")
    assert [(c.role, c.name, c.via) for c in article.credits] == [
        ("author", "Peter Kos", None),
        ("photo", "Christoph Soeder", "dpa"),
    ]


def test_every_lexicon_entry_is_written_in_normalized_form() -> None:
    for lex in LEXICONS:
        for word in (*lex.labels, *lex.related_markers, *lex.link_phrases):
            assert normalize(word) == word, (lex.language, word)


# --- ids, links, dates, language ------------------------------------------------------


def test_id_and_link_come_from_the_file_name_not_the_title() -> None:
    one = parse("Title one\nBody.\n", name="2024-01-02-čas-je.txt")
    two = parse("A completely different title\nBody.\n", name="2024-01-02-čas-je.txt")
    assert one.id == two.id == "tag:example.org,2026:2024-01-02-cas-je"
    assert one.link == ""  # no url: the build links the entry (plan.links.entry_link), parsing makes none up


def test_a_file_name_date_is_the_start_of_that_day_with_no_time_made_up() -> None:
    article = parse("T\nBody.\n", name="2023-09-17-a.txt", timezone="Europe/Ljubljana")
    assert article.published == datetime.fromisoformat("2023-09-17T00:00:00+02:00")
    assert article.day_only and article.updated == article.published
    front = parse("---\ndate: 2023-09-17\n---\nT\nBody.\n", name="b.txt", timezone="Europe/Ljubljana")
    assert front.published == article.published and front.day_only
    timed = parse("---\ndate: 2023-09-17 08:15\n---\nT\nBody.\n", name="c.txt")
    assert not timed.day_only


def test_front_matter_date_overrides_the_file_name_date() -> None:
    article = parse("---\ndate: 2024-03-01 18:30:00+01:00\n---\nT\nBody.\n", name="2020-01-01-x.txt")
    assert article.published == datetime.fromisoformat("2024-03-01T18:30:00+01:00")


def test_seed_without_any_date_leaves_published_to_the_build() -> None:
    assert parse("T\nBody.\n", name="undated.txt").published is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Naslov\nTo je članek, ki ga je napisal novinar in je v slovenščini.\n", "sl"),
        ("Headline\nThe minister said that the plan was ready for the vote.\n", "en"),
        ("Titel\nDer Minister sagte, dass der Plan fertig ist und nicht mehr geändert wird.\n", "de"),
        ("---\nlang: hr\n---\nNaslov\nThe text says otherwise.\n", "hr"),
    ],
)
def test_language_comes_from_front_matter_else_from_the_words_used(text: str, language: str) -> None:
    assert parse(text).language == language


def test_configured_language_is_the_fallback_when_nothing_matches() -> None:
    assert parse("123\n456.\n", language="sl").language == "sl"


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("date: yesterday", "front matter: date 'yesterday' is not ISO 8601"),
        ("lang: slovenian language", "is not a language tag"),
        ("url: ftp://x", "is not an absolute http(s) URL"),
        ("title", "expected 'key: value'"),
        ("title:", "'title' has no value"),
        ("date: 0999-01-01", "front matter: date '0999-01-01' is out of range (years 1000 to 9999)"),
        ("date: 0001-01-01T00:00:00+05:00", "is out of range (years 1000 to 9999)"),
        ("date: 9999-12-31T23:59:59-05:00", "is out of range (years 1000 to 9999)"),
        ("date: 1915-01-01T00:00:00-00:00:52", "has a UTC offset with seconds"),
        ("url: http://[", "'http://[' does not parse as a URL: Invalid IPv6 URL"),
        ("url: https://novičke..si/clanek", "has host 'novičke..si', which is not a valid host name"),
        ("url: https://example.si:99999/x", "Port out of range"),
        ("url: https:///clanek", "has no host"),
        ("image: http://[", "does not parse as a URL"),
    ],
)
def test_bad_front_matter_values_are_rejected_with_the_line(front: str, reason: str) -> None:
    with pytest.raises(SeedError) as caught:
        parse(f"---\n{front}\n---\nT\nBody.\n")
    assert reason in caught.value.reason
    assert caught.value.line == 2


def test_a_file_name_date_before_year_1000_is_rejected() -> None:
    with pytest.raises(SeedError, match=r"file name date 0999-01-01 is out of range \(years 1000 to 9999\)"):
        parse_seed("T\nBody.\n", name="0999-01-01-x.txt", site=Site())


def test_a_scheme_in_capitals_is_a_valid_url_written_in_lower_case() -> None:
    assert parse("---\nurl: HTTPS://Example.si/Clanek\n---\nT\nBody.\n").link == "https://Example.si/Clanek"


def test_a_zone_offset_with_seconds_is_written_in_utc() -> None:
    article = parse_seed("T\nBody.\n", name="1915-01-01-x.txt", site=Site(timezone="Europe/Amsterdam"))
    assert article.published is not None
    assert article.published.utcoffset() == timedelta(0)


def test_front_matter_urls_are_turned_into_ascii_uris() -> None:
    article = parse(
        "---\nurl: https://example.si/novice/čas\nimage: https://example.org/slike/žaba.jpg\n---\nT\nBody.\n"
    )
    assert article.link == "https://example.si/novice/%C4%8Das"
    assert article.image is not None and article.image.url == "https://example.org/slike/%C5%BEaba.jpg"
