"""A title reaches every reader exactly as the seed wrote it, in Atom and in RSS, and the W3C
validator has nothing to say about it, not even an informational note.

Four readers: feedparser; newsboat (Debian's package, run headless: ``-x reload`` into a cache
database that the test reads); feedsmith and rss-parser (npm packages, installed once per
session into a temporary directory and run by a small Node script). Without newsboat or
Node these tests are skipped with that reason, or fail when ``SEEDFEED_REQUIRE`` names them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import warnings
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.config import Config
from seedfeed.model import Site

from .conftest import NOW, require

#: Plain text that looks like markup and holds every character XML escapes.
TRAMS = '"Trams & Bikes > Cars": Council backs <Green Mile> plan'
MARKS = "Marks & Spencer closes Ljubljana store"
TITLES = {TRAMS, MARKS}
FEEDS = ("atom.xml", "rss.xml")

#: Pinned, so that a new release of a reader cannot change what this test means.
NPM_PACKAGES = ("feedsmith@3.0.1", "rss-parser@3.13.0")
#: Prints {file: {reader: [entry titles]}} for the feed files named on the command line. feedsmith
#: gives an Atom title as {value, type}: a type other than text is kept in front, to fail the test.
READ_JS = """\
const { readFileSync } = require("node:fs");
const { parseFeed } = require("feedsmith");
const Parser = require("rss-parser");
const plain = (title) =>
  typeof title === "string" ? title : `${title.type && title.type !== "text" ? `[${title.type}] ` : ""}${title.value}`;
(async () => {
  const found = {};
  for (const file of process.argv.slice(2)) {
    const text = readFileSync(file, "utf8");
    const { feed } = parseFeed(text);
    const parsed = await new Parser().parseString(text);
    found[file] = {
      feedsmith: (feed.entries ?? feed.items).map((entry) => plain(entry.title)),
      "rss-parser": parsed.items.map((item) => item.title),
    };
  }
  console.log(JSON.stringify(found));
})();
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two titles, published."""
    root = tmp_path_factory.mktemp("titles")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "2024-05-01-trams.txt").write_text(f"{TRAMS}\nThe council backed the plan on Tuesday.\n")
    (seeds / "2024-05-02-marks.txt").write_text(f"{MARKS}\nThe shop in the city centre closes in June.\n")
    config = Config(site=Site(), seeds=seeds, out=root / "feeds", state=root / ".seedfeed" / "state.sqlite3")
    build(config, now=NOW)
    return config.out


@pytest.fixture(scope="session")
def node_readers(tmp_path_factory: pytest.TempPathFactory) -> Callable[[list[Path]], dict[str, dict[str, list[str]]]]:
    """feedsmith and rss-parser, installed once: (feed files) → {file: {reader: [titles]}}."""
    node, npm = shutil.which("node"), shutil.which("npm")
    require("node", bool(node and npm), "feedsmith and rss-parser need Node.js and npm (Debian: nodejs npm)")
    assert node is not None and npm is not None
    prefix = tmp_path_factory.mktemp("npm")
    subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent", *NPM_PACKAGES],
        check=True,
        timeout=300,
    )
    script = prefix / "read.js"
    script.write_text(READ_JS)

    def read(files: list[Path]) -> dict[str, dict[str, list[str]]]:
        done = subprocess.run([node, str(script), *map(str, files)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        found: dict[str, dict[str, list[str]]] = json.loads(done.stdout)
        return found

    read.prefix = prefix  # type: ignore[attr-defined]  # where the packages are: tests/test_images.py reads more
    return read


def newsboat_titles(feed: Path, home: Path) -> list[str]:
    """The entry titles newsboat stores for ``feed`` after a headless reload."""
    newsboat = shutil.which("newsboat")
    require("newsboat", newsboat is not None, "newsboat is not installed (Debian: newsboat)")
    assert newsboat is not None
    home.mkdir()
    (home / "urls").write_text(f"{feed.as_uri()}\n")
    (home / "config").write_text("")
    cache = home / "cache.db"
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)}
    command = [newsboat, "-u", str(home / "urls"), "-c", str(cache), "-C", str(home / "config"), "-x", "reload"]
    subprocess.run(command, check=True, env=env, timeout=60, capture_output=True)
    with sqlite3.connect(cache) as db:
        return [title for (title,) in db.execute("SELECT title FROM rss_item")]


@pytest.mark.parametrize("name", FEEDS)
def test_feedparser_reads_every_title_as_written(published: Path, name: str) -> None:
    parsed = feedparser.parse((published / name).read_bytes())
    assert not parsed.bozo
    assert {entry.title for entry in parsed.entries} == TITLES


@pytest.mark.parametrize("name", FEEDS)
def test_newsboat_reads_every_title_as_written(published: Path, name: str, tmp_path: Path) -> None:
    # One cache per feed: newsboat keeps one item per id, and the Atom and RSS entries share theirs.
    assert set(newsboat_titles(published / name, tmp_path / "home")) == TITLES


def test_feedsmith_and_rss_parser_read_every_title_as_written(published: Path, node_readers) -> None:
    found = node_readers([published / name for name in FEEDS])
    assert len(found) == len(FEEDS)
    for file, readers in found.items():
        assert set(readers) == {"feedsmith", "rss-parser"}
        for reader, titles in readers.items():
            assert set(titles) == TITLES, (file, reader)


def test_atom_titles_are_text_and_rss_titles_use_character_references(published: Path) -> None:
    atom = (published / "atom.xml").read_text()
    assert '<title type="html">' not in atom
    assert "<title>Marks &amp; Spencer closes Ljubljana store</title>" in atom
    rss = (published / "rss.xml").read_text()
    assert "<title>Marks &#x26; Spencer closes Ljubljana store</title>" in rss
    assert '"Trams &#x26; Bikes &gt; Cars": Council backs &#x3C;Green Mile&gt; plan' in rss


@pytest.mark.parametrize("name", FEEDS)
def test_the_w3c_validator_in_strict_mode_finds_nothing(published: Path, name: str) -> None:
    """Strict: errors, warnings and informational notes alike (``compatibility.AAA``); in RSS,
    ``<`` written as ``&lt;`` in a title would draw ``CharacterData``."""
    validate = _w3c_strict()
    assert validate((published / name).read_bytes(), f"https://example.org/feeds/{name}") == []


def test_the_strict_validator_does_flag_entity_escaped_plain_text(published: Path) -> None:
    validate = _w3c_strict()
    rss = (published / "rss.xml").read_bytes().replace(b"&#x3C;", b"&lt;").replace(b"&#x26;", b"&amp;")
    assert [(message, element) for message, element in validate(rss, "https://example.org/feeds/rss.xml")] == [
        ("CharacterData", "title")
    ]


def test_json_feed_titles_are_as_written(published: Path) -> None:
    items = json.loads((published / "feed.json").read_bytes())["items"]
    assert {item["title"] for item in items} == TITLES


@pytest.mark.parametrize("view", ["atom.html", "rss.html", "feed.html"])
def test_the_browser_views_show_every_title_as_written_escaped_once(published: Path, view: str) -> None:
    html = (published / view).read_text()
    assert "&amp;amp;" not in html and "&amp;lt;" not in html
    assert _headings(html) == TITLES


def _headings(html: str) -> set[str]:
    """The text of every ``<h2>`` of a page (an entry's title), entities decoded."""

    class Headings(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.inside = False
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag == "h2":
                self.inside = True
                self.found.append("")

        def handle_endtag(self, tag: str) -> None:
            if tag == "h2":
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.found[-1] += data

    parser = Headings()
    parser.feed(html)
    return set(parser.found)


def _w3c_strict() -> Callable[[bytes, str], list[tuple[str, str | None]]]:
    """(message, element) of every event the W3C validator logs above "valid": errors, warnings, notes."""
    import importlib.util

    missing = [name for name in ("feedvalidator", "html5lib") if importlib.util.find_spec(name) is None]
    require("w3c", not missing, f"the W3C feed validator needs {' and '.join(missing)} (see tests/test_w3c.py)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import feedvalidator
        from feedvalidator import compatibility

    def validate(data: bytes, url: str) -> list[tuple[str, str | None]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events = feedvalidator.validateString(data, firstOccurrenceOnly=0, base=url)["loggedEvents"]
        return [(type(e).__name__, e.params.get("element")) for e in compatibility.AAA(events)]

    return validate
