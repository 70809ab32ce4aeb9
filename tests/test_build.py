"""Building the feeds: goldens, determinism, atomic replacement, state, bad seeds."""

from __future__ import annotations

import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.errors import ConfigError, PublishError
from seedfeed.store.publish import Writer

from .conftest import GOLDEN, NOW

GOOD_SEEDS = 10
BAD_SEEDS = 8


def _outputs(config) -> dict[str, bytes]:
    return {str(p.relative_to(config.out)): p.read_bytes() for p in sorted(config.out.rglob("*")) if p.is_file()}


def test_corpus_feeds_equal_the_golden_files(corpus, make_config, update_golden) -> None:
    config = make_config(corpus)
    report = build(config, now=NOW)
    assert (report.seeds, report.articles, len(report.rejected)) == (GOOD_SEEDS + BAD_SEEDS, GOOD_SEEDS, BAD_SEEDS)
    for name, data in _outputs(config).items():
        if update_golden:
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
        assert data == (GOLDEN / name).read_bytes(), f"{name} differs from tests/golden/{name}"
    golden = {str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*") if p.is_file()}
    assert golden == set(_outputs(config)), "a golden file that the build no longer writes, or the reverse"


def test_bad_seeds_cost_only_themselves(corpus, make_config) -> None:
    report = build(make_config(corpus), now=NOW)
    assert sorted(Path(e.path).name for e in report.rejected) == sorted(
        p.name for p in corpus.glob("*.txt") if p.name.startswith("bad-") or "-13-45-" in p.name
    )
    assert len(feedparser.parse(make_config(corpus).out / "atom.xml").entries) == GOOD_SEEDS


def test_second_build_writes_nothing_and_keeps_mtimes(corpus, make_config) -> None:
    config = make_config(corpus)
    build(config, now=NOW)
    files = [p for p in config.out.rglob("*") if p.is_file()]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    report = build(config, now=NOW + timedelta(hours=5))
    assert report.written == ()
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before


def test_same_seeds_give_byte_identical_feeds_from_a_fresh_state(corpus, make_config, tmp_path) -> None:
    config = make_config(corpus)
    build(config, now=NOW)
    first = _outputs(config)
    shutil.rmtree(config.out)
    config.state.unlink()
    build(config, now=NOW + timedelta(days=30))
    assert _outputs(config) == first


def test_ids_do_not_change_when_the_state_database_is_lost(corpus, make_config) -> None:
    config = make_config(corpus)
    (corpus / "undated-article.txt").write_text("Undated\nBody text.\n", encoding="utf-8")
    build(config, now=NOW)
    ids = [e.id for e in feedparser.parse(config.out / "atom.xml").entries]
    config.state.unlink()
    build(config, now=NOW + timedelta(days=3))
    assert sorted(e.id for e in feedparser.parse(config.out / "atom.xml").entries) == sorted(ids)


def test_editing_a_seed_keeps_its_id_and_moves_its_updated(corpus, make_config) -> None:
    config = make_config(corpus)
    build(config, now=NOW)
    seed = corpus / "2024-05-10-election-results-announced.txt"
    seed.write_text(seed.read_text().replace("Election results", "Final election results"))
    later = NOW + timedelta(hours=2)
    build(config, now=later)
    entry = next(e for e in feedparser.parse(config.out / "atom.xml").entries if "election" in e.id)
    assert entry.id == "tag:example.org,2026:2024-05-10-election-results-announced"
    assert entry.title == "Final election results announced after a long night"
    assert entry.updated == later.isoformat()
    assert entry.published.startswith("2024-05-10")


def test_unedited_article_keeps_updated_equal_to_published(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    build(config, now=NOW + timedelta(days=1))
    entry = feedparser.parse(config.out / "atom.xml").entries[0]
    assert entry.updated == entry.published


def test_feed_updated_is_the_newest_entry_change_not_the_clock(corpus, make_config) -> None:
    config = make_config(corpus)
    build(config, now=NOW)
    feed = feedparser.parse(config.out / "atom.xml")
    assert feed.feed.updated == max(e.updated for e in feed.entries)
    assert not feed.feed.updated.startswith(NOW.date().isoformat())


def test_deleted_seed_disappears_from_the_feeds(corpus, make_config) -> None:
    config = make_config(corpus)
    build(config, now=NOW)
    (corpus / "2024-06-01-poplave-u-zagrebu.txt").unlink()
    report = build(config, now=NOW + timedelta(minutes=1))
    assert report.removed == 1
    ids = [e.id for e in feedparser.parse(config.out / "rss.xml").entries]
    assert not any("poplave" in i for i in ids) and len(ids) == GOOD_SEEDS - 1


def test_undated_seed_is_published_when_first_seen_and_keeps_that_date(shipped, make_config) -> None:
    config = make_config(shipped)
    (shipped / "undated.txt").write_text("Undated\nBody text.\n", encoding="utf-8")
    build(config, now=NOW)
    build(config, now=NOW + timedelta(days=2))
    entry = next(e for e in feedparser.parse(config.out / "atom.xml").entries if e.id.endswith(":undated"))
    assert entry.published == NOW.isoformat() == entry.updated


def test_entries_are_newest_first_with_slug_tie_break_and_limited(corpus, make_config) -> None:
    config = make_config(corpus, limit=3)
    build(config, now=NOW)
    entries = feedparser.parse(config.out / "atom.xml").entries
    assert [e.id.rsplit(":", 1)[1] for e in entries] == [
        "2024-08-02-djokovic-osvojio-turnir",
        "2024-08-01-neue-bruecke-ueber-die-save",
        "2024-07-01-html-like-text",
    ]


def test_related_stories_link_to_the_corpus_article_with_the_same_title(corpus, make_config) -> None:
    config = make_config(corpus)
    build(config, now=NOW)
    entries = {e.id.rsplit(":", 1)[1]: e for e in feedparser.parse(config.out / "atom.xml").entries}
    shipped = entries["2023-09-17-kim-jong-un-zakljucil-obisk-rusije"]
    other = entries["2023-09-13-kim-jong-un-in-putin-v-boju-proti-imperializmu"]
    assert [link.href for link in shipped.links if link.rel == "related"] == [other.link]
    assert next(link.href for link in other.links if link.rel == "related") == shipped.link


def _seeds_dir(root: Path) -> Path:
    """An empty seeds directory under ``root``, for a test that writes its own seeds."""
    seeds = root / "seeds"
    seeds.mkdir()
    return seeds


def _related_links(config) -> dict[str, list[str]]:
    entries = feedparser.parse(config.out / "atom.xml").entries
    return {e.id.rsplit(":", 1)[1]: [link.href for link in e.links if link.rel == "related"] for e in entries}


def test_a_related_story_nobody_gave_a_url_for_is_not_linked(tmp_path, make_config) -> None:
    seeds = _seeds_dir(tmp_path)
    (seeds / "2024-01-01-a.txt").write_text("A\nBody.\nRead also\nUnknown story\nIts teaser. Read more\n")
    config = make_config(seeds)
    build(config, now=NOW)
    assert _related_links(config) == {"2024-01-01-a": []}
    for name in ("atom.xml", "rss.xml", "feed.json"):
        text = (config.out / name).read_text()
        assert "unknown-story" not in text  # no URL made up from the title
        assert "Unknown story" in text and "Its teaser." in text
    assert '"url": null' in (config.out / "feed.json").read_text()


def test_a_seed_s_own_url_wins_then_the_corpus_then_the_configured_pattern(tmp_path, make_config) -> None:
    seeds = _seeds_dir(tmp_path)
    (seeds / "2024-01-01-a.txt").write_text(
        "A\nBody.\nRead also\nB story https://elsewhere.example/b\nC story\nTeaser.\nUnknown story\nTeaser.\n"
    )
    (seeds / "2024-01-02-b.txt").write_text("B story\nBody.\n")
    (seeds / "2024-01-03-c.txt").write_text("C story\nBody.\n")
    config = make_config(seeds, related_url="https://example.org/news/{slug}.html")
    build(config, now=NOW)
    assert _related_links(config)["2024-01-01-a"] == [
        "https://elsewhere.example/b",  # the seed said so, although the corpus has a "B story"
        "https://example.org/feeds/articles/2024-01-03-c.html",  # the page of the corpus article with that title
        "https://example.org/news/unknown-story.html",  # the site's own pattern, configured
    ]


def test_every_credited_source_reaches_every_format(tmp_path, make_config) -> None:
    seeds = _seeds_dir(tmp_path)
    (seeds / "2024-01-01-a.txt").write_text("A\nBody.\nSource: Reuters, AP\n")
    config = make_config(seeds)
    build(config, now=NOW)
    for name in ("atom.xml", "rss.xml"):
        entry = feedparser.parse(config.out / name).entries[0]
        assert entry.source.title == "Reuters"  # the one source element the format allows
        credits = [(c["role"], c["content"]) for c in entry.media_credit]
        assert credits == [("distribution company", "Reuters"), ("distribution company", "AP")]
    item = json.loads((config.out / "feed.json").read_text())["items"][0]
    assert [c["name"] for c in item["_seedfeed"]["credits"] if c["role"] == "source"] == ["Reuters", "AP"]


def test_failed_verification_leaves_the_previous_feeds_intact(corpus, make_config) -> None:
    config = make_config(corpus)
    build(config, now=NOW)
    before = _outputs(config)
    (corpus / "2024-09-01-new.txt").write_text("New\nBody.\n", encoding="utf-8")

    class Corrupting(Writer):  # a document damaged between rendering and writing
        def publish(self, out, documents, verify, **options):
            damaged = ((name, data.replace(b"<title>", b"<title", 1)) for name, data in documents)
            return super().publish(out, damaged, verify)

    with pytest.raises(PublishError, match="failed verification"):
        build(config, now=NOW, writer=Corrupting())
    assert _outputs(config) == before
    assert not [p for p in config.out.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_unwritable_output_is_a_publish_error_and_nothing_changes(corpus, make_config) -> None:
    if os.geteuid() == 0:
        config = make_config(corpus)
        config.out.parent.mkdir(exist_ok=True)
        config.out.write_text("not a directory")
        with pytest.raises(PublishError, match="cannot"):
            build(config, now=NOW)
        assert config.out.read_text() == "not a directory"
        return
    config = make_config(corpus)
    build(config, now=NOW)
    config.out.chmod(0o555)
    (corpus / "2024-09-01-new.txt").write_text("New\nBody.\n", encoding="utf-8")
    try:
        with pytest.raises(PublishError):
            build(config, now=NOW)
    finally:
        config.out.chmod(0o755)


def test_published_files_are_world_readable(shipped, make_config) -> None:
    config = make_config(shipped)
    build(config, now=NOW)
    assert {oct(p.stat().st_mode & 0o777) for p in config.out.rglob("*") if p.is_file()} == {"0o644"}


def test_missing_or_empty_seeds_directory_is_a_clear_error(make_config) -> None:
    config = make_config()
    with pytest.raises(ConfigError, match=r"no seed files \(\*\.txt\)"):
        build(config, now=NOW)
    config.seeds.rmdir()
    with pytest.raises(ConfigError, match="seeds directory does not exist"):
        build(config, now=NOW)


def test_all_seeds_rejected_publishes_nothing(make_config) -> None:
    config = make_config()
    (config.seeds / "bad.txt").write_bytes(b"")
    report = build(config, now=NOW)
    assert len(report.rejected) == 1 and report.written == ()
    assert not config.out.exists()


def test_duplicate_slug_rejects_the_second_seed(make_config) -> None:
    config = make_config()
    (config.seeds / "Čas.txt").write_text("A\nBody.\n", encoding="utf-8")
    (config.seeds / "cas.txt").write_text("B\nBody.\n", encoding="utf-8")
    report = build(config, now=NOW)
    assert report.articles == 1
    assert "slug 'cas' is already used" in report.rejected[0].reason


def test_state_lives_beside_the_seeds_not_in_the_output(tmp_path, shipped) -> None:
    from seedfeed.config import load_config

    config = load_config(None, cwd=tmp_path)
    assert config.state == tmp_path / ".seedfeed" / "seeds.sqlite3"
    assert not config.state.is_relative_to(config.out)


def test_sibling_seed_directories_keep_separate_state(tmp_path) -> None:
    from seedfeed.config import load_config

    one = load_config(None, seeds=tmp_path / "a", cwd=tmp_path).state
    two = load_config(None, seeds=tmp_path / "b", cwd=tmp_path).state
    assert one.parent == two.parent == tmp_path / ".seedfeed" and one != two


def test_entries_carry_the_site_author_unless_told_not_to(tmp_path, make_config) -> None:
    seeds = _seeds_dir(tmp_path)
    (seeds / "2024-01-01-a.txt").write_text("A\nBody.\n")
    (seeds / "2024-01-02-b.txt").write_text("B\nBody.\nAvtor: Peter Kos\n")
    for entry_author, expected in ((True, ["Peter Kos", "Newsroom"]), (False, ["Peter Kos", None])):
        config = make_config(seeds, author="Newsroom", entry_author=entry_author)
        build(config, now=NOW)
        for name in ("atom.xml", "rss.xml"):
            entries = feedparser.parse(config.out / name).entries
            assert [e.get("author") for e in entries] == expected, name


def test_a_story_gets_its_link_everywhere_when_its_article_arrives_and_loses_it_when_it_goes(
    tmp_path, make_config
) -> None:
    seeds = _seeds_dir(tmp_path)
    (seeds / "2024-01-01-a.txt").write_text("---\ntags: poplave\n---\nA\nBody.\nRead also\nLater story\nTeaser.\n")
    for n in range(3):  # newer articles push A into an archive page
        (seeds / f"2024-02-0{n + 1}-n{n}.txt").write_text(f"N{n}\nBody.\n")
    config = make_config(seeds, limit=2, page_size=2)
    build(config, now=NOW)
    documents = ["archive/1.atom.xml", "tags/poplave.atom.xml"]
    assert all('rel="related"' not in (config.out / d).read_text() for d in documents)
    (seeds / "2024-03-01-later.txt").write_text("Later story\nBody.\n")
    build(config, now=NOW)
    link = 'href="https://example.org/feeds/articles/2024-03-01-later.html"'
    for document in documents:  # not only the subscription feed: the page and the tag feed A is in
        assert link in (config.out / document).read_text(), document
    (seeds / "2024-03-01-later.txt").unlink()
    build(config, now=NOW)
    assert all('rel="related"' not in (config.out / d).read_text() for d in documents)
