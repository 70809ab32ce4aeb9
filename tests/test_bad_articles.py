"""One bad article never blocks the others: bad values are rejected at parse time, with file and line,
and an article that still makes the renderer or the verifier fail is rejected alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.cli import EXIT_REJECTED, main
from seedfeed.codec import article_from_json, article_to_json
from seedfeed.store.state import State

from .conftest import NOW

GOOD = ("2024-01-01-dobra.txt", "Dobra novica\nTo je dober članek.\n")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("0999-01-01-x.txt", "N\nP.\n", "0999-01-01-x.txt: file name date 0999-01-01 is out of range"),
        ("x.txt", "---\ndate: 0001-01-01\n---\nN\nP.\n", "x.txt:2: front matter: date '0001-01-01' is out of range"),
        ("x.txt", "---\ndate: 1915-01-01T00:00:00-00:00:52\n---\nN\nP.\n", "x.txt:2: front matter: date"),
        ("x.txt", "---\nurl: http://[\n---\nN\nP.\n", "x.txt:2: front matter: 'http://[' does not parse as a URL"),
        ("x.txt", "---\nurl: https://novičke..si/clanek\n---\nN\nP.\n", "x.txt:2: front matter: 'https://novi"),
    ],
    ids=["year-999-file-name", "year-1-front-matter", "offset-with-seconds", "bad-ipv6-url", "bad-idna-host"],
)
def test_a_bad_value_is_a_rejected_seed_and_the_others_are_published(tmp_path, capsys, name, text, message) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / GOOD[0]).write_text(GOOD[1])
    (seeds / name).write_text(text)
    code = main(["build", "--seeds", str(seeds), "--out", str(tmp_path / "feeds")])
    lines = capsys.readouterr().err.splitlines()
    assert code == EXIT_REJECTED
    assert len(lines) == 1
    assert lines[0].startswith(f"seedfeed: error: {seeds}/{message}")
    parsed = feedparser.parse(tmp_path / "feeds" / "atom.xml")
    assert (parsed.bozo, [e.title for e in parsed.entries]) == (0, ["Dobra novica"])


def test_a_scheme_in_capitals_is_published(make_config) -> None:
    config = make_config()
    (config.seeds / "x.txt").write_text("---\nurl: HTTPS://novice.example.si/x\n---\nN\nP.\n")
    assert build(config, now=NOW).rejected == ()
    assert 'href="https://novice.example.si/x"' in (config.out / "atom.xml").read_text()


def _poison(config, name: str, change) -> None:
    """Rewrite the cached article of seed ``name`` as an older parser might have left it.

    Cached articles are trusted while the seed's bytes are unchanged: this is
    the one way an article that parsing would refuse can still reach rendering.
    """
    with State(config.state) as state:
        row = state.rows([name])[name]
        assert row.article is not None
        state.put(replace(row, article=article_to_json(change(article_from_json(row.article)))))
        state.commit()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda a: replace(a, published=datetime(999, 1, 1, tzinfo=UTC)), "RSS date is not an English RFC 822 date"),
        (lambda a: replace(a, title=""), "rendering failed"),
    ],
    ids=["verifier-refuses-a-date", "renderer-raises"],
)
def test_an_article_that_makes_a_document_fail_costs_only_itself(make_config, change, reason) -> None:
    config = make_config()
    for day in range(1, 4):
        (config.seeds / f"2024-01-0{day}-clanek.txt").write_text(f"Članek {day}\nBesedilo {day}.\n")
    build(config, now=NOW)
    _poison(config, "2024-01-02-clanek.txt", change)
    (config.seeds / "2024-01-04-clanek.txt").write_text("Članek 4\nBesedilo 4.\n")  # something to publish

    report = build(config, now=NOW + timedelta(hours=1))

    titles = [e.title for e in feedparser.parse(config.out / "atom.xml").entries]
    assert [(Path(e.path).name, e.reason.split(":")[0]) for e in report.rejected] == [
        ("2024-01-02-clanek.txt", "cannot be published")
    ]
    assert reason in report.rejected[0].reason
    assert titles == ["Članek 4", "Članek 3", "Članek 1"]
    assert report.articles == 3
    for name in ("rss.xml", "feed.json"):
        assert "Članek 2" not in (config.out / name).read_text()


def test_an_archive_page_rendered_in_a_worker_that_fails_costs_only_its_bad_article(make_config) -> None:
    import subprocess
    import sys

    from seedfeed.build.documents import PARALLEL_PAGES_FROM

    config = make_config(limit=1, page_size=1)  # one article per page: enough pages for the worker processes
    count = PARALLEL_PAGES_FROM + 4
    for day in range(1, count + 1):
        (config.seeds / f"2024-01-{day:02d}-clanek.txt").write_text(f"Članek {day}\nBesedilo {day}.\n")
    build(config, now=NOW)
    _poison(config, "2024-01-03-clanek.txt", lambda a: replace(a, published=datetime(999, 1, 1, tzinfo=UTC)))
    (config.seeds / "2024-02-01-novo.txt").write_text("Novo\nBesedilo.\n")
    with State(config.state) as state:  # render every page again, as a new setting would
        state.set_ledger(replace(state.ledger(), rendered="changed"))
        state.commit()
    toml = config.seeds.parent / "seedfeed.toml"
    toml.write_text(f'[site]\nlimit = 1\npage_size = 1\n[paths]\nstate = "{config.state}"\n')

    # In a process of its own, as cron runs it: worker pools stay out of the test process.
    result = subprocess.run(
        [sys.executable, "-m", "seedfeed", "build", "-q", "--config", str(toml)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"seedfeed: error: {config.seeds}/2024-01-03-clanek.txt: cannot be published: ")
    walked = []
    for path in sorted((config.out / "archive").glob("*.atom.xml")):
        walked += [e.title for e in feedparser.parse(path).entries]
    assert "Članek 3" not in walked
    assert len(walked) == count - 1  # every other archived article is still there
