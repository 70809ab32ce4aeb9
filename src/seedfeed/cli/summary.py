"""The one line ``seedfeed build`` prints: what was published, and which files were written and removed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..build import Report
from ..feeds.names import article_of, is_asset


def summary(report: Report, out: Path) -> str:
    """``seedfeed: 8 articles published, … (9 seeds, …); wrote atom.xml, … in feeds``."""
    return (
        f"seedfeed: {published(report)} "
        f"({report.seeds} seed{'' if report.seeds == 1 else 's'}, {len(report.rejected)} rejected, "
        f"{report.new} new, {report.changed} changed, {report.removed} removed); wrote {files(report.written)}"
        + (f"; removed {files(report.deleted)}" if report.deleted else "")
        + f" in {out}"
    )


def published(report: Report) -> str:
    """Where a build's articles are: every one is published, the newest in the subscription feeds.

    >>> published(Report(seeds=9, articles=8, entries=3, new=8, changed=0, removed=0, rejected=(), written=()))
    '8 articles published, 3 in the subscription feeds and 5 only in archive pages'
    """
    archived = report.articles - report.entries
    return (
        f"{report.articles} article{'' if report.articles == 1 else 's'} published, "
        f"{report.entries} in the subscription feeds and {archived} only in archive pages"
    )


def files(written: Sequence[str]) -> str:
    """``atom.xml, rss.xml``, or ``atom.xml, rss.xml, 12 article pages and 398 archive and topic documents``.

    A long list names the files at the top of the output and counts the rest.
    """
    if not written:
        return "nothing (feeds unchanged)"
    main = [name for name in written if "/" not in name]
    pages = sum(1 for name in written if article_of(name) is not None)
    images = sum(1 for name in written if is_asset(name))
    rest = len(written) - len(main) - pages - images
    if rest + pages + images <= 4:
        return ", ".join(written)
    counted = ((images, "image"), (pages, "article page"), (rest, "archive and topic document"))
    items = [*main, *(f"{n} {what}{'' if n == 1 else 's'}" for n, what in counted if n)]
    return " and ".join(items) if len(items) < 2 else f"{', '.join(items[:-1])} and {items[-1]}"
