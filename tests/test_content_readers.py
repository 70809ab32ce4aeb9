"""A summary feed reads as a summary in every reader: feedparser, newsboat, feedsmith and rss-parser,
and the W3C validator at its strictest level has nothing to say about it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.config import Config
from seedfeed.model import Site

from .conftest import NOW
from .test_titles import _w3c_strict, newsboat_titles, node_readers  # noqa: F401 -- the fixture, shared

LEAD = "The council backed the plan on Tuesday."
BODY = "Work starts in the spring."
FEEDS = ("atom.xml", "rss.xml")

NODE_SUMMARY = """\
const { readFileSync } = require("node:fs");
const { parseFeed } = require("feedsmith");
const Parser = require("rss-parser");
(async () => {
  const found = {};
  for (const file of process.argv.slice(2)) {
    const text = readFileSync(file, "utf8");
    const { feed } = parseFeed(text);
    const entries = feed.entries ?? feed.items;
    const parsed = await new Parser().parseString(text);
    found[file] = {
      feedsmith: entries.map((e) => JSON.stringify([e.title?.value ?? e.title, e.summary?.value ?? e.summary ??
        e.description ?? null, e.content?.value ?? e.content?.encoded ?? null])),
      "rss-parser": parsed.items.map((i) =>
        JSON.stringify([i.title, i.summary ?? i.contentSnippet ?? null, i["content:encoded"] ?? null])),
    };
  }
  console.log(JSON.stringify(found));
})();
"""


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summary")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "2024-05-01-plan.txt").write_text(f"Council backs the plan\n{LEAD}\n{BODY}\n", encoding="utf-8")
    site = Site(content="summary")
    config = Config(site=site, seeds=seeds, out=root / "feeds", state=root / ".seedfeed" / "state.sqlite3")
    build(config, now=NOW)
    return config.out


@pytest.mark.parametrize("name", FEEDS)
def test_feedparser_reads_the_lead_and_no_body(summary: Path, name: str) -> None:
    entry = feedparser.parse((summary / name).read_bytes()).entries[0]
    assert LEAD in entry.summary and "content" not in entry and BODY not in str(entry)


@pytest.mark.parametrize("name", FEEDS)
def test_newsboat_reads_the_summary_feed(summary: Path, name: str, tmp_path: Path) -> None:
    assert newsboat_titles(summary / name, tmp_path / "home") == ["Council backs the plan"]


def test_feedsmith_and_rss_parser_read_the_lead_and_no_body(summary: Path, node_readers) -> None:  # noqa: F811
    node_readers([summary / "rss.xml"])  # installs them (or skips)
    script = node_readers.prefix / "summary.js"
    script.write_text(NODE_SUMMARY)
    files = [str(summary / name) for name in FEEDS]
    done = subprocess.run(["node", str(script), *files], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    for file, readers in json.loads(done.stdout).items():
        for reader, entries in readers.items():
            [(title, lead, body)] = [json.loads(e) for e in entries]
            assert title == "Council backs the plan" and LEAD in lead, (file, reader)
            assert body is None or BODY not in body, (file, reader)


@pytest.mark.parametrize("name", [*FEEDS, "feed.json"])
def test_the_summary_feeds_carry_no_body(summary: Path, name: str) -> None:
    assert BODY.encode() not in (summary / name).read_bytes()


@pytest.mark.parametrize("name", FEEDS)
def test_the_w3c_validator_in_strict_mode_finds_nothing(summary: Path, name: str) -> None:
    assert _w3c_strict()((summary / name).read_bytes(), f"https://example.org/feeds/{name}") == []
