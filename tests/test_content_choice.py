"""Full text or summary, per feed: ``[feeds] content`` and ``topic_content``.

A summary entry carries the lead paragraph (Atom ``summary``, RSS
``description``, JSON Feed ``summary`` and ``content_text``) and no body
(Atom ``content``, RSS ``content:encoded``, JSON Feed ``content_html``); it
keeps its image, credits and related links. Archive pages carry what the
subscription feeds carry; the browser views show the lead whatever the choice.

Each choice is a golden: the full-text build is ``tests/golden`` (tests/test_build.py);
the other two are ``tests/golden-content/<choice>/``, which holds only the files
that differ from ``tests/golden`` (so the diff shows what the setting changes);
every other file must equal its ``tests/golden`` twin. ``pytest --update-golden``
rewrites them.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from html import unescape
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from seedfeed.build import build
from seedfeed.cli import main
from seedfeed.config import Config, load_config
from seedfeed.errors import ConfigError

from .conftest import GOLDEN, NOW, SEEDS, TESTS
from .test_w3c import HOSTILE, w3c  # noqa: F401 -- w3c is a fixture

GOLDEN_CONTENT = TESTS / "golden-content"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
#: A choice → its [feeds] table.
CHOICES = {
    "summary": {"content": "summary"},
    "topic-summary": {"topic_content": "summary"},
}
TOPIC_FEEDS = ("tags/", "sources/")


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _config(root: Path, feeds: dict[str, str], site: str = "") -> Config:
    """The test corpus under ``root`` with a seedfeed.toml holding ``[feeds]`` (and ``[site]``: ``site``)."""
    if not (root / "seeds").exists():
        shutil.copytree(SEEDS, root / "seeds", ignore=shutil.ignore_patterns("*.json"))
    table = "".join(f'{key} = "{value}"\n' for key, value in feeds.items())
    (root / "seedfeed.toml").write_text(f"[site]\n{site}\n[feeds]\n{table}", encoding="utf-8")
    return load_config(root / "seedfeed.toml")


@pytest.mark.parametrize("choice", CHOICES)
def test_each_content_choice_equals_its_golden_files(choice: str, tmp_path: Path, update_golden: bool) -> None:
    config = _config(tmp_path, CHOICES[choice])
    build(config, now=NOW)
    outputs = _outputs(config.out)
    variant = GOLDEN_CONTENT / choice
    if update_golden:
        shutil.rmtree(variant, ignore_errors=True)
        for name, data in outputs.items():
            if not (GOLDEN / name).is_file() or (GOLDEN / name).read_bytes() != data:
                (variant / name).parent.mkdir(parents=True, exist_ok=True)
                (variant / name).write_bytes(data)
    own = {str(p.relative_to(variant)) for p in variant.rglob("*") if p.is_file()}
    assert own <= set(outputs), "a golden file that the build no longer writes"
    for name, data in outputs.items():
        expected = variant / name if name in own else GOLDEN / name
        assert data == expected.read_bytes(), f"{name} differs from {expected.relative_to(TESTS)}"
    for name in own:  # a file kept there must be one the choice changes
        assert (variant / name).read_bytes() != (GOLDEN / name).read_bytes(), f"{name} needs no golden of its own"


def test_a_choice_changes_exactly_the_feeds_it_applies_to() -> None:
    """summary: the subscription feeds in every format and the topic feeds; topic_content: the topic feeds only.
    Never a browser view, an article page, the index or the OPML."""
    summary = {str(p.relative_to(GOLDEN_CONTENT / "summary")) for p in (GOLDEN_CONTENT / "summary").rglob("*.*")}
    topics = {n for n in summary if n.startswith(TOPIC_FEEDS)}
    assert summary == {"atom.xml", "rss.xml", "feed.json"} | topics
    assert topics and all(n.endswith(".xml") for n in topics)
    topic_only = GOLDEN_CONTENT / "topic-summary"
    assert {str(p.relative_to(topic_only)) for p in topic_only.rglob("*.*")} == topics


def _atom_entries(data: bytes) -> list[etree._Element]:
    return list(etree.fromstring(data).iter(f"{ATOM}entry"))


def _rss_items(data: bytes) -> list[etree._Element]:
    return list(etree.fromstring(data).iter("item"))


def test_a_summary_entry_has_its_lead_and_no_body_in_every_format() -> None:
    summary = GOLDEN_CONTENT / "summary"
    full_items = json.loads((GOLDEN / "feed.json").read_bytes())["items"]
    leads = [item["summary"] for item in full_items]
    atom = _atom_entries((summary / "atom.xml").read_bytes())
    assert atom and all(e.find(f"{ATOM}content") is None for e in atom)
    assert [unescape(e.findtext(f"{ATOM}summary") or "") for e in atom] == leads  # type="html"
    assert all(e.find(f"{ATOM}summary").get("type") == "html" for e in atom)  # type: ignore[union-attr]
    rss = _rss_items((summary / "rss.xml").read_bytes())
    assert rss and all(i.find(ENCODED) is None for i in rss)
    assert [unescape(i.findtext("description") or "") for i in rss] == leads
    items = json.loads((summary / "feed.json").read_bytes())["items"]
    assert all("content_html" not in item for item in items)
    assert [(item["summary"], item["content_text"]) for item in items] == [(lead, lead) for lead in leads]


@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml"])
def test_a_summary_entry_keeps_everything_but_the_body(feed: str) -> None:
    """Related links, media credits (and the image), contributors, source, categories: the same as in full text."""
    body = f"{ATOM}content" if feed == "atom.xml" else ENCODED
    parse = _atom_entries if feed == "atom.xml" else _rss_items
    full = parse((GOLDEN / feed).read_bytes())
    summary = parse((GOLDEN_CONTENT / "summary" / feed).read_bytes())
    assert [[etree.tostring(n) for n in e if n.tag != body] for e in full] == [
        [etree.tostring(n) for n in e] for e in summary
    ]
    kept = b"".join(etree.tostring(e) for e in summary)
    assert b'rel="related"' in kept and b"media:credit" in kept and b"media:content" in kept


def test_json_feed_summary_items_keep_image_credits_and_related() -> None:
    full = json.loads((GOLDEN / "feed.json").read_bytes())["items"]
    summary = json.loads((GOLDEN_CONTENT / "summary" / "feed.json").read_bytes())["items"]
    for before, after in zip(full, summary, strict=True):
        before.pop("content_html")
        after.pop("content_text")
        assert after == before
    assert any("image" in item for item in summary) and any(i["_seedfeed"]["related"] for i in summary)


@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml"])
def test_feedparser_reads_a_summary_entry_as_a_summary_with_no_content(feed: str) -> None:
    parsed = feedparser.parse((GOLDEN_CONTENT / "summary" / feed).read_bytes())
    full = feedparser.parse((GOLDEN / feed).read_bytes())
    assert parsed.bozo == 0 and len(parsed.entries) == len(full.entries) > 0
    for entry, before in zip(parsed.entries, full.entries, strict=True):
        assert "content" not in entry and "content" in before
        assert entry.summary == before.summary
        assert entry.link == before.link
        assert [link.href for link in entry.links if link.rel == "related"] == [
            link.href for link in before.links if link.rel == "related"
        ]
        assert entry.get("media_credit") == before.get("media_credit")
        assert entry.get("media_content") == before.get("media_content")


def test_topic_content_summary_leaves_the_subscription_feeds_full(tmp_path: Path) -> None:
    config = _config(tmp_path, {"content": "full", "topic_content": "summary"})
    build(config, now=NOW)
    assert all(e.find(f"{ATOM}content") is not None for e in _atom_entries((config.out / "atom.xml").read_bytes()))
    tag = _atom_entries((config.out / "tags/volitve.atom.xml").read_bytes())
    assert tag and all(e.find(f"{ATOM}content") is None for e in tag)


@pytest.mark.parametrize(
    ("feeds", "archive_full", "topic_full"),
    [
        ({"content": "summary"}, False, False),
        ({"content": "summary", "topic_content": "full"}, False, True),
        ({"topic_content": "summary"}, True, False),
    ],
)
def test_archive_pages_carry_what_the_subscription_feeds_carry(
    feeds: dict[str, str], archive_full: bool, topic_full: bool, tmp_path: Path
) -> None:
    config = _config(tmp_path, feeds, "limit = 4\npage_size = 2\n")
    build(config, now=NOW)
    pages = sorted(config.out.glob("archive/*.atom.xml"))
    assert pages
    for page in pages:
        entries = _atom_entries(page.read_bytes())
        assert entries and all((e.find(f"{ATOM}content") is not None) == archive_full for e in entries), page
        rss = _rss_items(page.with_name(page.name.replace(".atom.", ".rss.")).read_bytes())
        assert all((i.find(ENCODED) is not None) == archive_full for i in rss)
        items = json.loads(page.with_name(page.name.replace(".atom.xml", ".json")).read_bytes())["items"]
        assert all(("content_html" in i) == archive_full for i in items)
    topics = [e for p in config.out.glob("tags/*.atom.xml") for e in _atom_entries(p.read_bytes())]
    assert topics and all((e.find(f"{ATOM}content") is not None) == topic_full for e in topics)


def test_summary_feeds_pass_the_w3c_validator(tmp_path: Path, w3c) -> None:  # noqa: F811
    config = _config(tmp_path, {"content": "summary"}, "limit = 4\npage_size = 2\n")
    build(config, now=NOW)
    names = sorted(str(p.relative_to(config.out)) for p in config.out.rglob("*.xml"))
    assert any(n.startswith("archive/") for n in names) and any(n.startswith(TOPIC_FEEDS) for n in names)
    for name in names:
        data = (config.out / name).read_bytes()
        found = w3c(data, f"https://example.org/feeds/{name}")
        if b"html-like-text" in data:
            assert {(message, element) for message, element, _ in found} <= HOSTILE, (name, found)
        else:
            assert found == [], (name, found)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('content = "teaser"', "feeds.content must be 'full' or 'summary'; got 'teaser'"),
        ('topic_content = "Summary"', "feeds.topic_content must be 'full' or 'summary'; got 'Summary'"),
        ("content = true", "feeds.content must be 'full' or 'summary'; got a bool"),
        ('contents = "full"', "unknown key feeds.contents (known: content, topic_content)"),
    ],
)
def test_a_content_choice_that_is_not_one_is_refused(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "seedfeed.toml").write_text(f"[feeds]\n{table}\n", encoding="utf-8")
    expected = f"{tmp_path / 'seedfeed.toml'}: {message}"
    with pytest.raises(ConfigError, match=f"^{re.escape(expected)}$"):
        load_config(tmp_path / "seedfeed.toml")


def test_the_command_line_refuses_an_unknown_content_choice_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "seedfeed.toml").write_text('[feeds]\ncontent = "teaser"\n', encoding="utf-8")
    assert main(["build", "--config", str(tmp_path / "seedfeed.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "feeds.content must be 'full' or 'summary'; got 'teaser'" in err[0]


def test_switching_to_summary_rewrites_the_feeds_it_affects_and_nothing_else(tmp_path: Path) -> None:
    build(_config(tmp_path, {}), now=NOW)
    before = _outputs(tmp_path / "feeds")
    config = _config(tmp_path, {"content": "summary"})
    report = build(config, now=NOW)
    after = _outputs(config.out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert set(report.written) == changed == set(_variant_files("summary"))
    assert build(config, now=NOW).written == ()  # nothing changed: nothing written
    back = build(_config(tmp_path, {}), now=NOW)  # and back: the stored summary fragments are not served
    assert set(back.written) == changed and _outputs(config.out) == before


def test_switching_only_topic_content_renders_and_rewrites_only_the_topic_feeds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    build(_config(tmp_path, {}, "limit = 4\npage_size = 2\n"), now=NOW)
    caplog.set_level(logging.DEBUG, logger="seedfeed.build.documents")
    report = build(_config(tmp_path, {"topic_content": "summary"}, "limit = 4\npage_size = 2\n"), now=NOW)
    topic_feeds = {name for name in report.written if name.startswith(TOPIC_FEEDS)}
    assert topic_feeds and set(report.written) == topic_feeds
    rendered = _logged(caplog, "entries rendered:")
    pages = _logged(caplog, "%d archive pages rendered")
    # Atom and RSS pairs: the subscription feeds (rendered by every build that publishes) and each topic
    # feed; no archive page, and no article page (a new site title would render them all again).
    assert rendered[2] == 1 + len(topic_feeds) // 2
    assert pages[0] == 0


def _logged(caplog: pytest.LogCaptureFixture, start: str) -> tuple[object, ...]:
    """The arguments of the one build log record whose message starts with ``start``."""
    (args,) = [r.args for r in caplog.records if str(r.msg).startswith(start)]
    assert isinstance(args, tuple)
    return args


def _variant_files(choice: str) -> list[str]:
    return [str(p.relative_to(GOLDEN_CONTENT / choice)) for p in (GOLDEN_CONTENT / choice).rglob("*") if p.is_file()]
