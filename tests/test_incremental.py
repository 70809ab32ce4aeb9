"""Cost follows change: unchanged seeds are not read, unchanged bytes are not parsed, no change renders nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.errors import PublishError
from seedfeed.store.publish import Writer

from .conftest import NOW


def test_no_change_rebuild_reads_and_parses_nothing(corpus, make_config) -> None:
    config = make_config(corpus)
    first = build(config, now=NOW)
    assert (first.read, first.parsed) == (first.seeds, first.seeds)  # a cold build reads and parses every seed
    report = build(config, now=NOW + timedelta(hours=1))
    bad = len(report.rejected)
    assert (report.read, report.parsed) == (bad, bad)  # only the rejected seeds are looked at again
    assert report.written == ()


def test_a_touched_seed_is_read_but_not_parsed(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    seed = next(shipped.glob("*.txt"))
    os.utime(seed, ns=(seed.stat().st_atime_ns, seed.stat().st_mtime_ns + 10**9))
    report = build(config, now=NOW + timedelta(hours=1))
    assert (report.read, report.parsed) == (1, 0)
    assert (report.changed, report.written) == (0, ())


def test_no_change_rebuild_does_not_import_feedgen_or_feedparser(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    script = (
        "import sys; from seedfeed.build import build; from seedfeed.config import Config; "
        "from seedfeed.model import Site; "
        f"from pathlib import Path; build(Config(Site(), Path({str(config.seeds)!r}), Path({str(config.out)!r}), "
        f"Path({str(config.state)!r}))); print('feedgen' in sys.modules, 'feedparser' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_a_build_that_failed_to_publish_is_finished_by_the_next_one(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    (shipped / "2024-10-01-nova.txt").write_text("Nova\nBesedilo.\n", encoding="utf-8")

    class FullDisk(Writer):
        def publish(self, out, documents, verify, **options):
            raise PublishError(out, "disk full")

    with pytest.raises(PublishError):
        build(config, now=NOW + timedelta(hours=1), writer=FullDisk())
    report = build(config, now=NOW + timedelta(hours=2))  # no seed changed since the failed build
    assert {"atom.xml", "feed.json", "rss.xml"} <= set(report.written)
    assert len(feedparser.parse(str(config.out / "atom.xml")).entries) == 2


def test_deleted_output_is_published_again_without_any_seed_change(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    (config.out / "rss.xml").unlink()
    assert build(config, now=NOW + timedelta(hours=1)).written == ("rss.xml",)


def test_changed_settings_parse_everything_again(shipped, make_config) -> None:
    build(make_config(shipped), now=NOW)
    moved = make_config(shipped, base_url="https://novice.example.si/", feeds_url="https://novice.example.si/feeds/")
    report = build(moved, now=NOW + timedelta(hours=1))
    assert report.parsed == 1 and {"atom.xml", "feed.json", "rss.xml"} <= set(report.written)
    entry = feedparser.parse(str(make_config(shipped).out / "atom.xml")).entries[0]
    assert entry.link.startswith("https://novice.example.si/feeds/articles/") and entry.updated == entry.published


def test_seed_rejected_for_a_duplicate_slug_is_published_once_the_other_is_gone(make_config) -> None:
    config = make_config()
    (config.seeds / "Čas.txt").write_text("A\nBody.\n", encoding="utf-8")
    (config.seeds / "cas.txt").write_text("B\nBody.\n", encoding="utf-8")
    assert len(build(config, now=NOW).rejected) == 1
    (config.seeds / "Čas.txt").unlink()
    report = build(config, now=NOW + timedelta(hours=1))
    assert (report.rejected, report.articles) == ((), 1)
    assert [e.title for e in feedparser.parse(str(config.out / "atom.xml")).entries] == ["B"]


def test_a_new_site_title_renders_every_document_again_but_parses_no_seed(corpus, make_config, caplog) -> None:
    import logging

    config = make_config(corpus, page_size=2, limit=3)
    build(config, now=NOW)
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    retitled = make_config(corpus, page_size=2, limit=3, title="Novice")
    report = build(retitled, now=NOW + timedelta(hours=1))
    bad = len(report.rejected)
    assert f"{report.seeds} seeds in {corpus}, {bad} to read, 0 gone" in caplog.text  # only the rejected ones
    assert "archive/1.atom.xml" in report.written and "atom.xml" in report.written
    for path in config.out.rglob("*.xml"):
        assert "<title>seedfeed" not in path.read_text(), path


def test_a_new_base_url_parses_every_seed_again(corpus, make_config, caplog) -> None:
    import logging

    config = make_config(corpus)
    build(config, now=NOW)
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    moved = make_config(corpus, base_url="https://novice.example.si/")
    report = build(moved, now=NOW + timedelta(hours=1))
    assert f"{report.seeds} seeds in {corpus}, {report.seeds} to read, 0 gone" in caplog.text


def test_an_edit_s_updated_is_written_in_the_site_s_time_zone(shipped, make_config) -> None:
    from datetime import timedelta

    config = make_config(shipped, timezone="Europe/Ljubljana")
    build(config, now=NOW)
    seed = next(shipped.glob("*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\nDodatni odstavek.\n", encoding="utf-8")
    build(config, now=NOW + timedelta(hours=1))
    updated = (config.out / "atom.xml").read_text().split("<updated>")[2].split("</updated>")[0]
    expected = (NOW + timedelta(hours=1)).astimezone(ZoneInfo("Europe/Ljubljana")).isoformat()
    assert updated == expected and not updated.endswith("+00:00")


def test_a_day_only_seed_dropped_on_its_day_is_published_when_seedfeed_saw_it(tmp_path, make_config) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    seen = datetime(2025, 11, 21, 16, 5, 30, tzinfo=UTC)
    (seeds / "2025-11-21-breaking.txt").write_text("Breaking\nBody.\n")
    (seeds / "2025-11-20-yesterday.txt").write_text("Yesterday\nBody.\n")
    config = make_config(seeds, timezone="Europe/Ljubljana")
    build(config, now=seen)
    atom = (config.out / "atom.xml").read_text()
    assert "<published>2025-11-21T17:05:30+01:00</published>" in atom  # when seedfeed first saw it
    assert "<published>2025-11-20T00:00:00+01:00</published>" in atom  # its day: no time made up


def test_only_a_build_after_one_that_was_killed_looks_for_its_temporary_files(shipped, make_config) -> None:
    from dataclasses import replace

    from seedfeed.store.state import State

    config = make_config(shipped)
    build(config, now=NOW)
    stray = config.out / "articles" / ".left-by-a-killed-build.html.tmp"
    stray.write_bytes(b"half")
    (shipped / "2024-02-02-novo.txt").write_text("Novo\nBesedilo.\n", encoding="utf-8")
    build(config, now=NOW + timedelta(hours=1))
    assert stray.exists()  # the last build finished: nothing of a killed one can be there
    with State(config.state) as state:  # as a build killed while publishing leaves its ledger
        state.set_ledger(replace(state.ledger(), owed=frozenset()))
        state.commit()
    (shipped / "2024-02-03-novejse.txt").write_text("Novejše\nBesedilo.\n", encoding="utf-8")
    build(config, now=NOW + timedelta(hours=2))  # it writes to articles/: it removes what was left there
    assert not stray.exists()


def test_a_build_told_what_changed_leaves_lost_output_to_the_next_full_build(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    page = next((config.out / "articles").glob("*.html"))
    page.unlink()
    new = "2024-02-02-novo.txt"
    (shipped / new).write_text("Novo\nBesedilo.\n", encoding="utf-8")
    told = build(config, now=NOW + timedelta(hours=1), changed={new})  # --watch: only the new seed
    assert told.new == 1 and not page.exists()
    full = build(config, now=NOW + timedelta(hours=2))  # the first build, and every --every tick
    assert str(page.relative_to(config.out)) in full.written and page.exists()
