"""The state knows what it published: lost or changed output is published again, in an order that never breaks a link.

A build records every file it publishes (its size, mtime and hash) and the
output directory it published into. The next build checks each with one
``stat``: a file that is missing or changed, or an output directory that is
not the one recorded, is published again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest
from lxml import etree, html

from seedfeed.build import build
from seedfeed.feeds import FEED_FILES
from seedfeed.feeds.names import publish_order
from seedfeed.store.publish import Writer

from .conftest import NOW, PROJECT

FEEDS_URL = "https://novice.example.si/feeds/"


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def paged(corpus, make_config):
    """The test corpus's good seeds with small pages: archive pages, tag and source feeds, all published once."""
    for bad in [*corpus.glob("bad-*"), *corpus.glob("*-bad-*")]:
        bad.unlink()
    config = make_config(corpus, page_size=2, limit=3, feeds_url=FEEDS_URL)
    build(config, now=NOW)
    return config


def test_a_lost_topic_directory_is_published_again(paged) -> None:
    before = _files(paged.out)
    tags = sorted(name for name in before if name.startswith("tags/"))
    assert tags
    shutil.rmtree(paged.out / "tags")
    report = build(paged, now=NOW + timedelta(hours=1))
    assert sorted(report.written) == tags
    assert _files(paged.out) == before


def test_a_lost_archive_page_and_subscription_feed_are_published_again(paged) -> None:
    before = _files(paged.out)
    (paged.out / "archive" / "1.rss.xml").unlink()
    (paged.out / "feed.json").unlink()
    report = build(paged, now=NOW + timedelta(hours=1))
    assert {"archive/1.rss.xml", "feed.json"} <= set(report.written)
    assert _files(paged.out) == before


def test_a_changed_published_file_is_published_again(paged) -> None:
    before = _files(paged.out)
    (paged.out / "tags" / "volitve.atom.xml").write_text("defaced")
    report = build(paged, now=NOW + timedelta(hours=1))
    assert "tags/volitve.atom.xml" in report.written
    assert _files(paged.out) == before


def test_a_touched_published_file_is_checked_but_not_rewritten(paged, caplog) -> None:
    atom = paged.out / "atom.xml"
    os.utime(atom, ns=(atom.stat().st_atime_ns, atom.stat().st_mtime_ns + 10**9))
    assert build(paged, now=NOW + timedelta(hours=1)).written == ()  # the same bytes: no write
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    report = build(paged, now=NOW + timedelta(hours=2))
    assert (report.read, report.written, report.rejected) == (0, (), ())
    assert "no seed file changed since the last build" in caplog.text  # its new mtime is recorded


def test_a_build_with_nothing_lost_takes_the_fast_path(paged, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    report = build(paged, now=NOW + timedelta(hours=1))
    assert report.written == ()
    assert "no seed file changed since the last build: nothing read, rendered or written" in caplog.text


def test_a_new_output_directory_with_an_existing_state_gets_every_file(paged, tmp_path) -> None:
    other = replace(paged, out=tmp_path / "elsewhere")
    build(other, now=NOW + timedelta(hours=1))
    assert _files(other.out) == _files(paged.out)


def test_two_outputs_built_in_turn_from_one_state_both_get_every_article(paged, tmp_path) -> None:
    other = replace(paged, out=tmp_path / "elsewhere")
    build(other, now=NOW + timedelta(hours=1))
    (paged.seeds / "2026-10-30-novo.txt").write_text("Novo\nBesedilo o volitvah.\n", encoding="utf-8")
    build(paged, now=NOW + timedelta(hours=2))
    build(other, now=NOW + timedelta(hours=3))
    assert b"Novo" in (other.out / "atom.xml").read_bytes()
    assert _files(other.out) == _files(paged.out)


def test_files_replace_the_old_ones_article_pages_first_and_the_index_last(paged) -> None:
    renamed: list[str] = []

    class Recording(Writer):
        def replace(self, out: Path, name: str) -> None:
            renamed.append(name)
            super().replace(out, name)

    for n in range(4):  # two new archive pages' worth: older pages gain their next-archive link
        (paged.seeds / f"2026-10-2{n}-novo-{n}.txt").write_text(f"Novo {n}\nBesedilo.\n", encoding="utf-8")
    build(paged, now=NOW + timedelta(hours=1), writer=Recording())
    assert renamed == sorted(renamed, key=publish_order)
    assert renamed[0].startswith("articles/") and renamed[-1] in ("index.html", "feeds.opml")
    first_feed = min(i for i, name in enumerate(renamed) if not name.startswith("articles/"))
    assert renamed[first_feed].startswith("archive/")  # the entries that link the new pages come after them
    assert renamed.index("atom.xml") > max(
        i for i, name in enumerate(renamed) if name.startswith(("archive/", "tags/"))
    )


def _links(out: Path, name: str) -> list[str]:
    """The files of the output that the published file ``name`` links to."""
    path = out / name
    if path.suffix in (".xml", ".opml"):
        root = etree.parse(str(path)).getroot()
        hrefs = [*root.xpath("//@href"), *root.xpath("//@xmlUrl"), *root.xpath("//@url")]
    elif path.suffix == ".html":
        hrefs = html.parse(str(path)).getroot().xpath("//a/@href | //link/@href")
    elif path.suffix == ".json":
        feed = json.loads(path.read_bytes())
        hrefs = [feed[key] for key in ("feed_url", "next_url") if key in feed]
    else:
        return []
    urls = (urljoin(FEEDS_URL + name, href) for href in hrefs)
    return [url.removeprefix(FEEDS_URL).split("#")[0] for url in urls if url.startswith(FEEDS_URL)]


def broken_links(out: Path) -> list[tuple[str, str]]:
    """(file, missing target) of every link a reader meets, starting from the files readers start from.

    A file no published file links to yet (a new archive page before the
    subscription feed points to it) is not reached, as no reader reaches it.
    """
    start = [name for name in FEED_FILES if (out / name).is_file()]
    seen, queue, broken = set(start), list(start), []
    while queue:
        name = queue.pop()
        for target in _links(out, name):
            if not (out / target).is_file():
                broken.append((name, target))
            elif target not in seen:
                seen.add(target)
                queue.append(target)
    return broken


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from seedfeed.build import build
    from seedfeed.config import Config
    from seedfeed.model import Site
    from seedfeed.store.publish import Writer
    from pathlib import Path

    class Killed(Writer):
        done = 0
        def replace(self, out, name):
            if self.done == int(sys.argv[2]):
                os.kill(os.getpid(), signal.SIGKILL)
            self.done += 1
            super().replace(out, name)

    root = Path(sys.argv[1])
    site = Site(page_size=2, limit=3, feeds_url=sys.argv[3])
    config = Config(site, root / "seeds", root / "feeds", root / ".seedfeed" / "state.sqlite3")
    build(config, now=datetime.fromisoformat(sys.argv[4]), writer=Killed())
    """
)


@pytest.mark.slow
def test_a_build_killed_at_any_rename_leaves_every_link_resolvable(paged, tmp_path) -> None:
    root = paged.out.parent
    for n in range(4):  # new archive pages: the subscription feeds' prev-archive moves to a page not yet there
        (paged.seeds / f"2026-10-2{n}-novo-{n}.txt").write_text(f"Novo {n}\nBesedilo.\n", encoding="utf-8")
    script = tmp_path / "killer.py"
    script.write_text(_KILLER)
    pristine = tmp_path / "pristine"
    shutil.copytree(root, pristine, ignore=shutil.ignore_patterns("pristine", "killer.py", "trial"))
    when = (NOW + timedelta(hours=1)).isoformat()
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    kills = 0
    for k in range(200):
        trial = tmp_path / "trial"
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(pristine, trial)
        done = subprocess.run(
            [sys.executable, str(script), str(trial), str(k), FEEDS_URL, when],
            env=env,
            capture_output=True,
            timeout=120,
        )
        broken = broken_links(trial / "feeds")
        assert not broken, f"killed at rename {k}: links to files that are not there: {broken}"
        if done.returncode == 0:
            break
        assert done.returncode == -9, done.stderr
        kills += 1
    assert kills >= 8, "the build should have had many renames to kill"
