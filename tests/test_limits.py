"""What one article may put in the feeds is bounded: a hostile seed cannot make every document huge."""

from __future__ import annotations

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.model import Limits

from .conftest import NOW


def _related_flood(stories: int) -> str:
    """A seed like the one that once made a 13 MB atom.xml: a short body and a flood of related stories."""
    lines = ["Naslov", "Kratko besedilo.", "Ne spreglejte…"]
    for n in range(stories):
        lines += [f"Povezana zgodba {n} https://e.x/{n}", f"Dražilnik zgodbe {n}. več tukaj"]
    return "\n".join(lines) + "\n"


def test_related_stories_beyond_the_limit_are_left_out_with_one_warning(make_config, caplog) -> None:
    config = make_config()
    seed = config.seeds / "2024-01-01-poplava.txt"
    seed.write_text(_related_flood(12_000))  # 850 KB, under the 1 MiB file limit
    report = build(config, now=NOW)
    assert report.rejected == ()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"{seed}: 12000 related stories; the first 20 are published (limits.related)"]
    atom = (config.out / "atom.xml").read_text()
    assert atom.count('rel="related"') == 20
    assert 'title="Povezana zgodba 19"' in atom
    assert 'title="Povezana zgodba 20"' not in atom
    for name in ("atom.xml", "rss.xml", "feed.json"):
        assert (config.out / name).stat().st_size < 64 * 1024


def test_credits_beyond_the_limit_are_left_out(make_config, caplog) -> None:
    config = make_config(limits=Limits(credits=2))
    (config.seeds / "2024-01-01-x.txt").write_text("Naslov\nBesedilo.\nVir: STA, Reuters, AP, AFP\n")
    report = build(config, now=NOW)
    assert report.rejected == ()
    assert "4 credits; the first 2 are published as credits (limits.credits)" in caplog.text
    entry = feedparser.parse(config.out / "atom.xml").entries[0]
    assert [c["content"] for c in entry.media_credit] == ["STA", "Reuters"]
    assert "Vir: STA, Reuters, AP, AFP" in entry.content[0].value  # the line as the seed wrote it


def test_credit_lines_beyond_the_limit_are_left_out(make_config, caplog) -> None:
    config = make_config(limits=Limits(credits=2))
    lines = "".join(f"Foto: Fotograf {n}\n" for n in range(5))
    (config.seeds / "2024-01-01-x.txt").write_text("Naslov\nBesedilo.\n" + lines)
    build(config, now=NOW)
    content = feedparser.parse(config.out / "atom.xml").entries[0].content[0].value
    assert "Fotograf 1" in content and "Fotograf 2" not in content


@pytest.mark.parametrize(
    ("limits", "body", "reason"),
    [
        (Limits(paragraphs=3), "P.\n" * 4, "too many paragraphs: 4 (the limit is 3: limits.paragraphs)"),
        (Limits(entry_bytes=1000), "Besedilo. " * 200 + "\n", "entry too large: 2006 bytes of content"),
    ],
    ids=["paragraphs", "entry-bytes"],
)
def test_an_article_over_a_hard_limit_is_rejected_and_costs_only_itself(make_config, limits, body, reason) -> None:
    config = make_config(limits=limits)
    (config.seeds / "2024-01-01-ok.txt").write_text("Dobro\nKratko.\n")
    (config.seeds / "2024-01-02-big.txt").write_text("Veliko\n" + body)
    report = build(config, now=NOW)
    assert report.articles == 1
    assert next(e.reason for e in report.rejected).startswith(reason)


def test_the_default_limits_publish_a_long_real_article(make_config) -> None:
    config = make_config()
    paragraph = "Dolg odstavek resničnega članka z veliko besedami, ki opisujejo dogodek. " * 6
    (config.seeds / "2024-01-01-dolg.txt").write_text("Dolg članek\n" + (paragraph + "\n") * 150)
    assert build(config, now=NOW).rejected == ()
