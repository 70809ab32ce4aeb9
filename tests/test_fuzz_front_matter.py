"""Property: whatever front matter a seed has, a build exits 0 or 1, publishes every good seed, never a traceback.

Hypothesis writes seeds with generated front-matter values (dates, URLs,
languages, tags, titles, authors, images) beside a good seed, and runs
whole builds through the command line. Examples are derandomised, so CI
runs the same ones every time; ``SEEDFEED_FUZZ_EXAMPLES=5000`` runs more.
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedfeed.cli import EXIT_OK, EXIT_REJECTED, main

EXAMPLES = int(os.environ.get("SEEDFEED_FUZZ_EXAMPLES", "150"))
GOOD = "Dobra novica"

_digits = st.integers(min_value=0, max_value=9999)
_offset = st.sampled_from(["", "Z", "+01:00", "-05:30", "+14:00", "-00:00:52", "+25:00", "+0100", " UTC"])
dates = st.one_of(
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.tuples(_digits, st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), _offset).map(
        lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}T{t[3]:02d}:00:00{t[4]}"
    ),
    st.text(max_size=30),
)
_host = st.one_of(
    st.sampled_from(["example.si", "novičke..si", "[", "[::1]", "xn--", "-bad-.si", "a" * 70 + ".si", "ex ample.si"]),
    st.text(alphabet=string.ascii_letters + string.digits + ".-_:[]@%čšž", min_size=0, max_size=25),
)
urls = st.one_of(
    st.tuples(
        st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", "", "//"]), _host, st.text(max_size=20)
    ).map("".join),
    st.text(max_size=40),
)
_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x85\u2028\u2029"), max_size=40
)
front_matter = st.fixed_dictionaries(
    {},
    optional={
        "date": dates,
        "url": urls,
        "image": urls,
        "lang": st.one_of(st.sampled_from(["sl", "en-GB", "sr-Latn", "x", "toolonglanguage"]), _line),
        "tags": st.lists(_line, max_size=5).map(", ".join),
        "title": _line,
        "author": _line,
        "related": st.one_of(st.tuples(_line, urls).map(" | ".join), _line),
    },
)
#: Lines of a related block: titles and teasers, some ending in a URL (well-formed or not).
related_block = st.lists(st.one_of(_line, st.tuples(_line, urls).map(" ".join), urls), max_size=4)


def _seed(front: dict[str, str], related: list[str]) -> str:
    lines = ["---", *(f"{key}: {value}" for key, value in front.items()), "---", "Naslov", "Besedilo članka."]
    if related:
        lines += ["Preberite tudi", *related]
    return "\n".join(lines) + "\n"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(front=front_matter, related=related_block)
def test_any_front_matter_costs_at_most_its_own_seed(front: dict[str, str], related: list[str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="seedfeed-fuzz-"))
    try:
        seeds = root / "seeds"
        seeds.mkdir()
        (seeds / "2024-01-01-dobra.txt").write_text(f"{GOOD}\nTo je dober članek.\n", encoding="utf-8")
        (seeds / "2024-01-02-fuzz.txt").write_text(_seed(front, related), encoding="utf-8", errors="surrogatepass")
        code = main(["build", "-q", "--seeds", str(seeds), "--out", str(root / "feeds")])
        assert code in (EXIT_OK, EXIT_REJECTED)
        for name in ("atom.xml", "rss.xml"):
            parsed = feedparser.parse(str(root / "feeds" / name))
            assert parsed.bozo == 0, parsed.get("bozo_exception")
            assert GOOD in [e.title for e in parsed.entries]
            assert len(parsed.entries) == (2 if code == EXIT_OK else 1)
    finally:
        shutil.rmtree(root)


@pytest.fixture(autouse=True)
def _no_traceback(capsys):
    """Every line a build prints on stderr is one of seedfeed's own: never a traceback."""
    yield
    err = capsys.readouterr().err
    assert all(line.startswith("seedfeed: ") for line in err.splitlines()), err
