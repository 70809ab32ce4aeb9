"""One bad name or value costs only itself (issue 18, part 3), and ``seedfeed parse`` on a missing file."""

from __future__ import annotations

import bisect
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.cli import main
from seedfeed.config import load_config
from seedfeed.errors import EXIT_USAGE
from seedfeed.feeds.names import TOPIC_KEY_MAX, document_name, topic_key, unit_name, view_name
from seedfeed.ingest.seeds import WAITING, scan_seeds, still_written
from seedfeed.model import Limits
from seedfeed.plan.dates import UniqueTimes

from .conftest import NOW

LONG = " ".join(["Agencija"] * 37)  # 332 characters: its slug alone is a file name too long for ext4
HOUR = timedelta(hours=1)


def _topic_files(out: Path, kind: str, label: str) -> list[Path]:
    unit = unit_name(kind, topic_key(label))
    documents = [document_name(unit, fmt) for fmt in ("atom", "rss")]
    return [out / name for document in documents for name in (document, view_name(document))]


def _modified(config, slug: str) -> datetime:
    feed = json.loads((config.out / "feed.json").read_text())
    return next(datetime.fromisoformat(i["date_modified"]) for i in feed["items"] if i["id"].endswith(slug))


# --- topic file names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "seed"),
    [
        ("tags", f"---\ntags: {LONG}, kratka\n---\nNaslov\nBesedilo.\n"),
        ("sources", f"Naslov\nBesedilo.\nVir: {LONG}\n"),
    ],
    ids=["tag", "source"],
)
def test_a_300_character_tag_or_source_gets_a_topic_feed_and_later_builds_are_fine(make_config, kind, seed) -> None:
    config = make_config()
    path = config.seeds / "2024-01-01-dolgo.txt"
    path.write_text(seed)
    (config.seeds / "2024-01-02-drugo.txt").write_text("Drugi naslov\nBesedilo.\n")

    report = build(config, now=NOW)
    assert report.rejected == ()
    files = _topic_files(config.out, kind, LONG)
    assert all(f.is_file() for f in files), report.written
    assert all(len(f.name.encode()) < 255 for f in config.out.rglob("*"))
    assert len(topic_key(LONG)) <= TOPIC_KEY_MAX
    if kind == "sources":  # the entry's <source> names the very feed that was published
        entry = feedparser.parse(config.out / "rss.xml").entries[-1]
        assert entry.source.href.endswith(files[2].relative_to(config.out).as_posix())

    path.write_text(seed.replace("Besedilo.", "Popravljeno besedilo."))
    assert build(config, now=NOW + HOUR).rejected == ()
    path.unlink()  # its topic feed goes with it
    report = build(config, now=NOW + 2 * HOUR)
    assert report.rejected == () and not any(f.exists() for f in files)


def test_short_topic_keys_are_the_slugs_they_always_were() -> None:
    assert [topic_key(label) for label in ("Volitve 2024", "STA", "Ђоковић")] == ["volitve-2024", "sta", "djokovic"]
    assert topic_key("x" * TOPIC_KEY_MAX) == "x" * TOPIC_KEY_MAX
    assert topic_key("x" * (TOPIC_KEY_MAX + 1)) != topic_key("x" * (TOPIC_KEY_MAX + 2))


# --- [limits] tags ------------------------------------------------------------------------


@pytest.mark.parametrize(("limits", "published"), [(Limits(), 20), (Limits(tags=3), 3), (Limits(tags=0), 0)])
def test_tags_beyond_the_limit_are_left_out_with_one_warning(make_config, caplog, limits, published) -> None:
    config = make_config(limits=limits)
    seed = config.seeds / "2024-01-01-oznake.txt"
    seed.write_text("---\ntags: " + ", ".join(f"oznaka {n}" for n in range(3000)) + "\n---\nNaslov\nBesedilo.\n")

    report = build(config, now=NOW)
    assert report.rejected == ()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"{seed}: 3000 tags; the first {published} are published (limits.tags)"]
    assert len(list((config.out / "tags").glob("*"))) == 4 * published  # Atom, RSS and their views: 12,008 files once
    assert len(feedparser.parse(config.out / "atom.xml").entries[0].get("tags", [])) == published


def test_the_tags_limit_is_read_from_seedfeed_toml(tmp_path) -> None:
    (tmp_path / "seedfeed.toml").write_text("[limits]\ntags = 5\n")
    assert load_config(tmp_path / "seedfeed.toml").site.limits == Limits(tags=5)


# --- blank titles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('---\ntitle: "   "\n---\nNaslov\nBesedilo.\n', 2),
        ("---\ntitle: '\u200b'\n---\nNaslov\nBesedilo.\n", 2),
        ("\u200b\nBesedilo.\n", 1),
        ("\u00a0\u200d\u2060\nBesedilo.\n", 1),
        ("\n\u00ad\u202e\u3164\nBesedilo.\n", 2),
    ],
    ids=["spaces", "zero-width-space", "body-zero-width", "nbsp-joiners", "soft-hyphen-bidi-filler"],
)
def test_a_title_blank_after_trimming_rejects_only_its_seed(make_config, text, line) -> None:
    config = make_config()
    bad = config.seeds / "2024-01-01-prazno.txt"
    bad.write_text(text)
    (config.seeds / "2024-01-02-dobro.txt").write_text("Naslov\nBesedilo.\n")

    report = build(config, now=NOW)
    assert [str(e) for e in report.rejected] == [f"{bad}:{line}: title is blank: only spaces or invisible characters"]
    assert [e.title for e in feedparser.parse(config.out / "atom.xml").entries] == ["Naslov"]


# --- dates of one day ---------------------------------------------------------------------


def test_seeds_of_one_day_take_unique_seconds_at_the_cost_of_seeds_on_distinct_days() -> None:
    day = datetime(2024, 1, 1, tzinfo=UTC)
    published = [day + timedelta(seconds=s) for s in range(0, 3000, 2)]  # every other second of the first 50 min

    def take_all(starts: list[datetime]) -> tuple[list[datetime], list[datetime], float]:
        windows: list[datetime] = []

        def between(start: datetime, end: datetime) -> list[datetime]:  # the state's range query
            windows.append(start)
            return published[bisect.bisect_left(published, start) : bisect.bisect_left(published, end)]

        times = UniqueTimes(lambda instant: pytest.fail("asked one by one"), between)
        began = time.perf_counter()
        taken = [times.take(s) for s in starts]
        return taken, windows, time.perf_counter() - began

    n = 20_000
    same, windows, same_seconds = take_all([day] * n)
    _, _, distinct_seconds = take_all([day + timedelta(days=k) for k in range(n)])
    assert len(set(same)) == n and not set(published) & set(same)
    assert same[:3] == [day + timedelta(seconds=s) for s in (1, 3, 5)]  # the earliest free second, in order
    assert max(same) == day + timedelta(seconds=n + len(published) - 1)  # no second left free behind
    assert len(windows) == len(set(windows)) == 6  # each hour of the state's instants read once: 21,500 s
    assert same_seconds < 5 * distinct_seconds + 0.5  # was quadratic: 20,000 of one day took minutes


def test_day_only_seeds_of_one_day_get_consecutive_updated_seconds(make_config) -> None:
    config = make_config()
    for n in range(30):
        (config.seeds / f"2024-01-01-clanek-{n:02}.txt").write_text(f"Naslov {n}\nBesedilo {n}.\n")
    build(config, now=NOW)
    (config.seeds / "2024-01-01-zadnji.txt").write_text("Zadnji\nBesedilo.\n")
    build(config, now=NOW + HOUR)

    feed = json.loads((config.out / "feed.json").read_text())
    updated = sorted(datetime.fromisoformat(item["date_modified"]) for item in feed["items"])
    assert updated == [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=s) for s in range(31)]


# --- updated follows every published change -------------------------------------------------

PUBLISHED = "Naslov\nPrvo besedilo.\n"
TYPO = "Naslov\n"  # title but no body: rejected
FIXED = "Naslov\nPopravljeno besedilo.\n"


@pytest.mark.parametrize(
    ("fix", "fixed_at", "expected"),
    [
        (FIXED, NOW + 2 * HOUR, NOW + 2 * HOUR),  # other bytes: dated when fixed
        (PUBLISHED, NOW + 2 * HOUR, NOW),  # the very bytes published: as readers saw it
        (FIXED, NOW - HOUR, NOW + timedelta(seconds=1)),  # the clock went back: still after what readers saw
    ],
    ids=["fixed", "restored", "fixed-clock-back"],
)
def test_a_published_seed_fixed_after_a_rejection_is_updated_when_fixed(make_config, fix, fixed_at, expected) -> None:
    config = make_config()
    seed = config.seeds / "clanek.txt"  # undated: published when first seen
    seed.write_text(PUBLISHED)
    build(config, now=NOW)
    assert _modified(config, "clanek") == NOW
    seed.write_text(TYPO)
    assert len(build(config, now=NOW + HOUR).rejected) == 1
    seed.write_text(fix)
    report = build(config, now=fixed_at)
    assert report.rejected == () and report.new == 1
    assert _modified(config, "clanek") == expected


def test_a_published_seed_rejected_after_an_edit_leaves_every_document_at_once(make_config) -> None:
    config = make_config(limit=1)
    (config.seeds / "2024-01-02-drugi.txt").write_text("Drugi\nBesedilo.\n")
    seed = config.seeds / "2024-01-01-clanek.txt"  # archived: in an archive page, not the subscription feeds
    seed.write_text("---\ntags: Volitve\n---\n" + PUBLISHED)
    build(config, now=NOW)
    archived = [page for page in (config.out / "archive").glob("*.json") if "2024-01-01-clanek" in page.read_text()]
    assert archived and (config.out / "articles/2024-01-01-clanek.html").exists()
    assert (config.out / "tags/volitve.atom.xml").exists()
    seed.write_text("---\ntags: Volitve\n---\n" + TYPO)
    report = build(config, now=NOW + HOUR)
    assert len(report.rejected) == 1
    assert "2024-01-01-clanek" not in archived[0].read_text()  # its archive page is rendered without it
    assert not (config.out / "articles/2024-01-01-clanek.html").exists()
    assert not (config.out / "tags/volitve.atom.xml").exists()  # its only article's topic feed goes
    assert "2024-01-01-clanek" not in (config.out / "index.html").read_text()


def test_updated_never_moves_backwards_when_the_clock_does(make_config) -> None:
    config = make_config()
    seed = config.seeds / "2024-01-01-clanek.txt"
    seed.write_text(PUBLISHED)
    build(config, now=NOW)
    seed.write_text(FIXED)
    build(config, now=NOW + HOUR)
    assert _modified(config, "clanek") == NOW + HOUR
    seed.write_text(FIXED + "Še en odstavek.\n")
    assert build(config, now=NOW - HOUR).changed == 1  # the clock was set back two hours
    assert _modified(config, "clanek") == NOW + HOUR + timedelta(seconds=1)


# --- seeds still being written ------------------------------------------------------------


def test_a_seed_held_open_for_writing_waits_for_the_next_build(make_config, caplog) -> None:
    config = make_config()
    (config.seeds / "2024-01-01-cel.txt").write_text("Cel\nBesedilo.\n")
    edited = config.seeds / "2024-01-02-urejan.txt"
    edited.write_text("Urejan\nPrva različica.\n")
    build(config, now=NOW)
    growing = config.seeds / "2024-01-03-nastaja.txt"
    caplog.set_level(logging.INFO, logger="seedfeed")
    with growing.open("w") as writer, edited.open("w") as editor:
        writer.write("Nastaja\nPrvi odstavek.\n")
        writer.flush()
        editor.write("Urejan\nDruga")
        editor.flush()
        report = build(config, now=NOW + HOUR)
        assert (report.rejected, report.new, report.changed, report.removed) == ((), 0, 0, 0)
        titles = [e.title for e in feedparser.parse(config.out / "atom.xml").entries]
        assert titles == ["Urejan", "Cel"]  # the one being edited stays as it was published
        assert "Prva različica." in (config.out / "atom.xml").read_text()
        infos = [r.getMessage() for r in caplog.records if r.levelname == "INFO" and "still being" in r.getMessage()]
        assert infos == [f"{path}: still being written; left for the next build" for path in (edited, growing)]
        writer.write("Drugi odstavek.\n")
        editor.write(" različica.\n")
    report = build(config, now=NOW + 2 * HOUR)
    assert (report.rejected, report.new, report.changed) == ((), 1, 1)
    atom = (config.out / "atom.xml").read_text()
    assert "Drugi odstavek." in atom and "Druga različica." in atom


def test_a_seed_left_unchanged_after_its_writer_closed_it_is_read_by_the_next_build(make_config) -> None:
    config = make_config()
    seed = config.seeds / "2024-01-01-clanek.txt"
    with seed.open("w") as writer:
        writer.write("Naslov\nBesedilo.\n")
        writer.flush()
        assert scan_seeds(config.seeds).files[seed.name][1] == WAITING
        assert build(config, now=NOW).new == 0
    report = build(config, now=NOW + HOUR)  # same size and mtime as the listing saw: read all the same
    assert (report.read, report.new) == (1, 1)
    assert build(config, now=NOW + 2 * HOUR).read == 0


def test_a_writer_silent_for_over_a_minute_is_not_waited_for(make_config) -> None:
    config = make_config()
    seed = config.seeds / "2024-01-01-clanek.txt"
    with seed.open("w") as writer:
        writer.write("Naslov\nBesedilo.\n")
        writer.flush()
        later = time.time_ns() + 3600 * 10**9  # an hour on: a writer this slow is not waited for
        assert scan_seeds(config.seeds, clock=lambda: later).files[seed.name][1] == seed.stat().st_mtime_ns


@pytest.mark.parametrize(
    ("writer", "age", "waits"),
    [
        (True, 3600 * 10**9, True),  # held open for writing: waits, however old
        (False, 0, False),  # nobody writes it: read at once, even just written (cp, then build)
        (None, 5 * 10**8, True),  # no lease to ask: modified within the last second waits
        (None, -(5 * 10**8), True),  # ... a little in the future too
        (None, 2 * 10**9, False),
    ],
    ids=["writer", "no-writer", "unknown-recent", "unknown-future", "unknown-settled"],
)
def test_a_seed_waits_while_written_or_without_a_lease_for_a_second(writer, age, waits) -> None:
    assert still_written(writer, age) is waits


# --- seedfeed parse -------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "reason"), [("nowhere.txt", "no such file"), (".", "not a regular file")])
def test_parse_of_a_missing_file_is_a_usage_error(tmp_path, monkeypatch, capsys, given, reason) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["parse", given]) == EXIT_USAGE
    assert capsys.readouterr().err.strip().endswith(f"{given}: {reason}")
    assert not any(tmp_path.iterdir())


def test_removing_a_file_whose_name_no_file_system_allows_is_not_an_error(tmp_path) -> None:
    from seedfeed.store.publish import unpublish

    assert unpublish(tmp_path, ["tags/" + "x" * 300 + ".atom.xml", "tags/absent.rss.xml"]) == []
