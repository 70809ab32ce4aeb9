"""One language per feed: decided once for the whole corpus, declared by every document.

``site.language`` when it is set, else the most common language of every published
article (ties: alphabetical), recorded in the state. Every document of the feed (the
subscription feeds, every archive page, the tag and source feeds, the views, the index,
JSON Feed) declares it; an article in another language keeps its own on its entry.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from seedfeed.build import build
from seedfeed.config import Config
from seedfeed.ingest.language import stopword_counts
from seedfeed.ingest.lexicon import LEXICONS
from seedfeed.store.state import State

from .conftest import NOW

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM = "{http://www.w3.org/2005/Atom}"
DC_LANGUAGE = "{http://purl.org/dc/elements/1.1/}language"

#: Oldest first, three to a page: archive/1 and archive/2 are Slovenian, archive/3 mostly German,
#: the subscription feeds mostly English. A vote per document would give each its own language.
CORPUS = [
    ("sl", "politika", "Vlada sprejela proračun", "Vlada je v četrtek sprejela proračun za prihodnje leto."),
    ("sl", "politika", "Župan odprl most", "Župan je v sredo odprl novi most čez reko."),
    ("sl", "sport", "Olimpija zmagala", "Nogometaši Olimpije so v nedeljo zmagali na gostovanju."),
    ("sl", "sport", "Tekma preložena", "Tekma je bila zaradi dežja preložena na ponedeljek."),
    ("sl", "politika", "Poslanci o zakonu", "Poslanci so v torek razpravljali o novem zakonu."),
    ("sl", "sport", "Smučarji na tekmi", "Slovenski smučarji so v soboto nastopili na tekmi."),
    ("de", "welt", "Neue Brücke eröffnet", "Die neue Brücke über die Save wurde am Montag eröffnet."),
    ("de", "welt", "Wahl in Wien", "In Wien wurde am Sonntag ein neuer Bürgermeister gewählt."),
    ("sl", "politika", "Seja vlade", "Vlada je na seji obravnavala poročilo o gospodarstvu."),
    ("en", "world", "Council backs new plan", "The city council backed the new transport plan on Tuesday."),
    ("en", "world", "Store closes in June", "The shop in the city centre will close its doors in June."),
    ("sl", "sport", "Košarkarji v finalu", "Košarkarji so se v petek uvrstili v finale prvenstva."),
]


def write(seeds: Path, number: int, language: str, tag: str, title: str, body: str) -> None:
    (seeds / f"2024-01-{number:02d}-a{number}.txt").write_text(
        f"---\nlang: {language}\ntags: {tag}\n---\n{title}\n{body}\n", encoding="utf-8"
    )


def corpus(make_config, **site: object) -> Config:
    config: Config = make_config(limit=3, page_size=3, **site)
    for number, article in enumerate(CORPUS, start=1):
        write(config.seeds, number, *article)
    return config


def declared(out: Path) -> dict[str, str | None]:
    """Every published document → the language it declares for itself (``None``: it has no place to)."""
    found: dict[str, str | None] = {}
    for path in sorted(out.rglob("*")):
        name = str(path.relative_to(out))
        if path.suffix == ".xml":
            root = etree.parse(path).getroot()
            if root.tag == f"{ATOM}feed":
                found[name] = root.get(XML_LANG)
            else:
                found[name] = root.findtext("channel/language")
        elif path.suffix == ".json":
            found[name] = json.loads(path.read_bytes()).get("language")
        elif path.suffix == ".html":
            found[name] = etree.HTML(path.read_bytes()).get("lang")
    return found


def entry_languages(out: Path, name: str) -> dict[str, str | None]:
    """Each entry's title → the language it declares on itself, in one Atom or RSS document."""
    root = etree.parse(out / name).getroot()
    if root.tag == f"{ATOM}feed":
        return {e.findtext(f"{ATOM}title"): e.get(XML_LANG) for e in root.iter(f"{ATOM}entry")}
    return {item.findtext("title"): item.findtext(DC_LANGUAGE) for item in root.iter("item")}


def test_every_document_of_the_feed_declares_the_corpus_language(make_config) -> None:
    config = corpus(make_config)
    build(config, now=NOW)
    found = declared(config.out)
    names = set(found)
    assert {"atom.xml", "rss.xml", "feed.json", "index.html", "atom.html"} <= names
    assert {"archive/1.atom.xml", "archive/3.rss.xml", "tags/world.atom.xml", "tags/welt.rss.xml"} <= names
    assert set(found.values()) == {"sl"}, {n: lang for n, lang in found.items() if lang != "sl"}


def test_entries_in_another_language_keep_their_own(make_config) -> None:
    config = corpus(make_config)
    build(config, now=NOW)
    for kind in ("atom", "rss"):
        main = entry_languages(config.out, f"{kind}.xml")
        assert main == {"Council backs new plan": "en", "Store closes in June": "en", "Košarkarji v finalu": None}
        page = entry_languages(config.out, f"archive/3.{kind}.xml")
        assert page == {"Neue Brücke eröffnet": "de", "Wahl in Wien": "de", "Seja vlade": None}
    items = json.loads((config.out / "feed.json").read_bytes())["items"]
    assert {item["title"]: item.get("language") for item in items} == {
        "Council backs new plan": "en",
        "Store closes in June": "en",
        "Košarkarji v finalu": None,
    }
    view = etree.HTML((config.out / "atom.html").read_bytes())
    assert sorted(a.get("lang") or "-" for a in view.iter("article")) == ["-", "en", "en"]


def test_the_configured_language_wins(make_config) -> None:
    config = corpus(make_config, language="en")
    build(config, now=NOW)
    assert set(declared(config.out).values()) == {"en"}
    assert entry_languages(config.out, "archive/1.atom.xml") == {
        "Vlada sprejela proračun": "sl",
        "Župan odprl most": "sl",
        "Olimpija zmagala": "sl",
    }
    with State(config.state) as state:
        assert state.ledger().language == "en"


def test_the_decided_language_is_recorded_in_the_state(make_config) -> None:
    config = corpus(make_config)
    build(config, now=NOW)
    with State(config.state) as state:
        assert state.ledger().language == "sl"
        assert state.corpus_language() == "sl"


def test_a_tie_goes_to_the_first_language_alphabetically(make_config) -> None:
    config = make_config()
    write(config.seeds, 1, "sl", "a", "Vlada sprejela proračun", "Vlada je v četrtek sprejela proračun.")
    write(config.seeds, 2, "en", "a", "Council backs new plan", "The council backed the plan on Tuesday.")
    build(config, now=NOW)
    assert set(declared(config.out).values()) == {"en"}


def test_a_new_majority_renders_every_document_again(make_config) -> None:
    config = corpus(make_config)
    build(config, now=NOW)
    assert build(config, now=NOW).written == ()  # nothing changed: nothing rendered
    for number in range(13, 22):  # nine English articles: English is now the most common
        write(config.seeds, number, "en", "news", f"Story {number} of the day", "The council met again today.")
    report = build(config, now=NOW)
    # Old, full archive pages and topic feeds no new article is in are written again: they say "en" now.
    assert {"archive/1.atom.xml", "archive/1.rss.xml", "tags/politika.atom.xml", "tags/welt.rss.html"} <= set(
        report.written
    )
    assert set(declared(config.out).values()) == {"en"}
    with State(config.state) as state:
        assert state.ledger().language == "en"
    assert build(config, now=NOW).written == ()


def test_an_edit_that_keeps_the_majority_renders_only_what_it_touches(make_config) -> None:
    config = corpus(make_config)
    build(config, now=NOW)
    write(config.seeds, 12, "sl", "sport", "Košarkarji v finalu", "Košarkarji so se v soboto uvrstili v finale.")
    written = set(build(config, now=NOW).written)
    assert "atom.xml" in written
    assert not {"archive/1.atom.xml", "tags/politika.atom.xml"} & written


_STOPWORDS = sorted({word for lex in LEXICONS for word in lex.stopwords})
_PIECES = st.one_of(
    st.sampled_from(_STOPWORDS),
    st.sampled_from([" ", "  ", "\n", "\t", ",", ".", "—", "_", "'", "2", "\u00a0", "\u0301", "»"]),
    st.text(max_size=4),
)


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_stopwords_are_counted_as_the_word_pattern_counts_them(text: str) -> None:
    words = Counter(re.findall(r"\w+", text))
    assert stopword_counts(text) == {word: n for word, n in words.items() if word in _STOPWORDS}
