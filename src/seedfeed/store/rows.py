"""The records the state keeps: a seed file's row, the topics its article is listed in, a published file's record,
and the ledger of the last build."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ..plan.plan import Unit


class Listing(NamedTuple):
    """A topic feed (tag or source) a published article is in, with the two columns of its seed's row that order
    the topic's entries: a topic feed's newest articles are then read from one index, not sorted from all of
    the topic's rows (at 100,000 seeds, a source of 8,500 articles: 52 ms to 0.4 ms)."""

    kind: str  # "tags" or "sources"
    key: str  # the topic's slug
    label: str  # the topic as written
    published: str  # as the seed's row has it: UTC ISO 8601
    slug: str


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A published file as the build left it: its size and mtime (checked by ``stat``) and its bytes' SHA-256."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Ledger:
    """What the last build recorded about itself.

    ``settings``: the fingerprint of the settings and code its articles were
    parsed with; ``rendered``: of every setting, which the documents depend
    on. ``scan``: the digest of the seed listing of the last
    *complete* build (equal digests let a build skip everything); ``None``
    while a build is under way or seeds were rejected. ``owed``: the units a
    build committed to the state but had not yet published when it stopped
    (``None``: nothing owed; the subscription feeds are always rendered when
    anything is). ``articles`` and ``pages``: how many were published, for the
    summary line and the fast path's check of the archive directory.
    ``language``: the one language every document of the feed declares
    (``site.language``, else the corpus's most common); ``None`` before the
    first article.
    """

    settings: str | None = None
    scan: str | None = None
    owed: frozenset[Unit] | None = None
    articles: int = 0
    pages: int = 0
    rendered: str | None = None
    out: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One seed file as the last build left it."""

    name: str
    size: int
    mtime_ns: int
    sha256: str
    first_seen: datetime
    updated: datetime
    slug: str | None = None
    published: str | None = None
    title_key: str | None = None
    link: str | None = None
    article: str | None = None
    error: str | None = None
    page: int | None = None
    language: str | None = None  # the article's, beside its JSON: an index of it costs no JSON parse per row


COLUMNS = (
    "name, size, mtime_ns, sha256, first_seen, updated, slug, published, title_key, link, article, error, page, "
    "language"
)


def values_of(row: Row) -> tuple[Any, ...]:
    """The row as the values of its columns (``COLUMNS``, then ``updated`` in UTC), for an INSERT."""
    return (
        row.name,
        row.size,
        row.mtime_ns,
        row.sha256,
        row.first_seen.isoformat(),
        row.updated.isoformat(),
        row.slug,
        row.published,
        row.title_key,
        row.link,
        row.article,
        row.error,
        row.page,
        row.language,
        row.updated.astimezone(UTC).isoformat(),
    )


def row_from(values: tuple[Any, ...]) -> Row:
    """The row of a SELECT of ``COLUMNS``."""
    name, size, mtime_ns, sha256, first_seen, updated, *rest = values
    return Row(name, size, mtime_ns, sha256, datetime.fromisoformat(first_seen), datetime.fromisoformat(updated), *rest)
