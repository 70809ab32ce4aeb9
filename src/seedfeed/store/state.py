"""The state database: what each seed file was when last read, and its article.

Embedded SQLite (stdlib ``sqlite3``), one row per seed file: its size and
mtime (a file whose size and mtime are unchanged is not read again), the
SHA-256 of its bytes (a file whose bytes are unchanged is not parsed again),
when it was first seen and last changed, and the parsed article as JSON, or
the reason it was rejected. It never supplies an id: deleting it loses edit
history (``updated`` falls back to ``published``) and costs one full build,
but no reader sees an article twice.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import StateError
from ..plan.plan import Unit
from .rows import COLUMNS as _COLUMNS
from .rows import FileRecord
from .rows import Ledger as Ledger
from .rows import Listing as Listing
from .rows import Row as Row
from .rows import row_from as _row
from .rows import values_of as _values
from .schema import ensure_schema
from .snapshot import Snapshot

#: Keys asked per query: SQLite allows 999 parameters in older builds.
_CHUNK = 500


class State:
    """A handle on the state database; use as a context manager. Nothing is written before :meth:`commit`.

    SQLite's errors come out as they are: :func:`is_corrupt` and :func:`reason`
    tell the build what to do with them.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        if readonly:  # a worker process reading what the build committed
            self._db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
            self._snapshot = Snapshot(self._db, str(path.absolute()))
            return
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(path.parent, f"cannot create the state directory: {exc.strerror}") from None
        self._db = sqlite3.connect(path)
        self._snapshot = Snapshot(self._db, str(path.absolute()))
        try:
            self._open(path)
        except BaseException:
            self._db.close()
            raise

    def _open(self, path: Path) -> None:
        ensure_schema(self._db)
        try:
            path.chmod(0o600)  # private like the seeds: it is nobody else's business what changed when
        except OSError as exc:
            raise StateError(path, f"cannot make the state database private: {exc.strerror}") from None

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def files(self) -> dict[str, tuple[int, int, bool]]:
        """Every known file name → (size, mtime_ns, rejected?): the cheap part, for change detection."""
        query = "SELECT name, size, mtime_ns, error IS NOT NULL FROM seeds"
        return {n: (s, m, bool(e)) for n, s, m, e in self._db.execute(query)}

    def known_files(self) -> tuple[dict[str, tuple[int, int]], set[str]]:
        """Every file the last build recorded → (size, mtime_ns), and the names of the rejected ones.

        Read from the stored listing (:mod:`.snapshot`), else from the rows.
        The dictionary returned must not be changed.
        """
        rejected = {name for (name,) in self._db.execute("SELECT name FROM seeds WHERE error IS NOT NULL")}
        files = self._snapshot.load()
        if files is None:
            files = {name: (size, mtime) for name, (size, mtime, _) in self.files().items()}
        return files, rejected

    def set_known_files(self, files: dict[str, tuple[int, int]], changed: Collection[str] | None = None) -> None:
        """Store the files this build recorded, for :meth:`known_files`.

        With ``changed`` (the only names that may differ from the stored
        listing), only their entries are written. ``files`` must not be
        changed afterwards: it is kept in memory after :meth:`commit`.
        """
        self._snapshot.store(files, changed)

    def rows(self, names: Iterable[str]) -> dict[str, Row]:
        """The full rows of ``names``."""
        rows = (_row(values) for values in self._each(f"SELECT {_COLUMNS} FROM seeds WHERE name IN ({{}})", names))
        return {row.name: row for row in rows}

    def _each(self, query: str, keys: Iterable[str], *before: object) -> Iterator[tuple[Any, ...]]:
        """The rows of ``query`` for every key, asked ``_CHUNK`` keys at a time (its ``{}`` is their marks)."""
        keys = list(keys)
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            yield from self._db.execute(query.format(",".join("?" * len(chunk))), (*before, *chunk))

    def updated_taken(self, instant: datetime) -> bool:
        """True when a published article already has ``updated`` at ``instant`` (as stored)."""
        query = "SELECT 1 FROM seeds WHERE slug IS NOT NULL AND updated_utc = ? LIMIT 1"
        return self._db.execute(query, (instant.astimezone(UTC).isoformat(),)).fetchone() is not None

    def updated_between(self, start: datetime, end: datetime) -> list[datetime]:
        """The ``updated`` instants of the published articles from ``start`` to before ``end``: one range query."""
        query = "SELECT updated_utc FROM seeds WHERE slug IS NOT NULL AND updated_utc >= ? AND updated_utc < ?"
        bounds = (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat())
        return [datetime.fromisoformat(value) for (value,) in self._db.execute(query, bounds)]

    def newest(self, limit: int) -> Iterator[str]:
        """The article JSON of the newest ``limit`` articles not yet archived, newest first, slug breaking ties."""
        query = (
            "SELECT article FROM seeds WHERE slug IS NOT NULL AND page IS NULL ORDER BY published DESC, slug LIMIT ?"
        )
        for (article,) in self._db.execute(query, (limit,)):
            yield article

    def overflow(self, limit: int) -> list[str]:
        """File names of the articles not archived yet beyond the newest ``limit``, oldest first."""
        query = (
            "SELECT name FROM seeds WHERE slug IS NOT NULL AND page IS NULL "
            "ORDER BY published DESC, slug LIMIT -1 OFFSET ?"
        )
        return [name for (name,) in self._db.execute(query, (limit,))][::-1]

    def pages(self) -> dict[int, int]:
        """Archive page number → how many articles it holds; a page whose articles were all deleted holds 0.

        A page, once made, stays: removing an emptied page from the middle of
        the archive would break the ``prev-archive`` chain of the page after it.
        """
        query = "SELECT p.number, count(s.slug) FROM pages p LEFT JOIN seeds s ON s.page = p.number GROUP BY p.number"
        return {int(page): int(count) for page, count in self._db.execute(query)}

    def page_count(self) -> int:
        """How many archive pages were made (:meth:`pages` without counting their articles)."""
        (count,) = self._db.execute("SELECT count(*) FROM pages").fetchone()
        return int(count)

    def add_pages(self, numbers: Iterable[int]) -> None:
        """Record archive pages as made (also those a recovery found on disk)."""
        self._db.executemany("INSERT OR IGNORE INTO pages (number) VALUES (?)", [(n,) for n in numbers])

    def is_new(self) -> bool:
        """True for a database that has never recorded a build (new, or reset): the published feeds are then
        the only record of ids' dates and pages."""
        return self._db.execute("SELECT 1 FROM seeds UNION ALL SELECT 1 FROM ledger LIMIT 1").fetchone() is None

    def page_articles(self, page: int) -> Iterator[str]:
        """The article JSON of one archive page, newest first."""
        query = "SELECT article FROM seeds WHERE page = ? AND slug IS NOT NULL ORDER BY published DESC, slug"
        for (article,) in self._db.execute(query, (page,)):
            yield article

    def articles(self, slugs: Iterable[str]) -> dict[str, str]:
        """Each of ``slugs`` that is published → its article JSON: one query for a batch."""
        return dict(self._each("SELECT slug, article FROM seeds WHERE slug IN ({})", slugs))

    def slugs(self) -> list[str]:
        """The slug of every published article."""
        return [slug for (slug,) in self._db.execute("SELECT slug FROM seeds WHERE slug IS NOT NULL")]

    def count(self) -> int:
        (count,) = self._db.execute("SELECT count(slug) FROM seeds").fetchone()
        return int(count)

    def links_for_titles(self, title_keys: Iterable[str]) -> dict[str, str]:
        """Each folded title that a published article has → that article's link (the first by slug)."""
        query = "SELECT title_key, link FROM seeds WHERE title_key IN ({}) AND slug IS NOT NULL ORDER BY slug DESC"
        return dict(self._each(query, title_keys))  # the last written wins: the first by slug

    def slug_owners(self, slugs: Iterable[str]) -> dict[str, str]:
        """Each of ``slugs`` that is published → the file name publishing it: one query for a batch."""
        return dict(self._each("SELECT slug, name FROM seeds WHERE slug IN ({})", slugs))

    def put(self, row: Row) -> None:
        self.put_many([row])

    def put_many(self, rows: Iterable[Row]) -> None:
        """Insert or replace rows, one statement for all of them."""
        self._db.executemany(
            f"INSERT OR REPLACE INTO seeds ({_COLUMNS}, updated_utc) VALUES ({','.join('?' * 15)})",
            [_values(r) for r in rows],
        )

    def replace_topics(self, topics: Mapping[str, Iterable[Listing]]) -> None:
        """Replace the topics of each file name's article: written with its row, whose date and slug they copy."""
        self._db.executemany("DELETE FROM topics WHERE name = ?", [(name,) for name in topics])
        self._db.executemany(
            "INSERT INTO topics (name, kind, key, label, published, slug) VALUES (?, ?, ?, ?, ?, ?)",
            [(name, *t) for name, items in topics.items() for t in items],
        )

    def replace_cites(self, cites: dict[str, list[str]]) -> None:
        """Replace the folded related-story titles each file name's article cites."""
        self._db.executemany("DELETE FROM cites WHERE name = ?", [(name,) for name in cites])
        self._db.executemany(
            "INSERT INTO cites (name, title_key) VALUES (?, ?)", [(n, t) for n, keys in cites.items() for t in keys]
        )

    def citing(self, title_keys: Iterable[str]) -> set[str]:
        """The file names whose articles cite a related story with one of these folded titles."""
        return {name for (name,) in self._each("SELECT name FROM cites WHERE title_key IN ({})", title_keys)}

    def archive_many(self, assignments: Iterable[tuple[str, int]]) -> None:
        """Give each (file name, page) its archive page, and record the pages as made."""
        assignments = list(assignments)
        self.add_pages({page for _, page in assignments})
        self._db.executemany("UPDATE seeds SET page = ? WHERE name = ?", [(p, n) for n, p in assignments])

    def topics_of(self, names: Iterable[str]) -> set[tuple[str, str]]:
        """The (kind, key) topics of these files' articles."""
        return {(kind, key) for kind, key in self._each("SELECT kind, key FROM topics WHERE name IN ({})", names)}

    def topic_counts(self) -> dict[tuple[str, str], tuple[str, int]]:
        """Every (kind, key) topic → (its label, how many published articles have it)."""
        # Only published articles have topics (a rejected or deleted seed's are removed): no join.
        query = "SELECT kind, key, min(label), count(*) FROM topics GROUP BY kind, key"
        return {(kind, key): (label, int(count)) for kind, key, label, count in self._db.execute(query)}

    def topic_articles(self, kind: str, key: str, limit: int) -> Iterator[str]:
        """The article JSON of the newest ``limit`` articles of one topic, newest first."""
        query = (
            "SELECT s.article FROM (SELECT name, published, slug FROM topics WHERE kind = ? AND key = ? "
            "ORDER BY published DESC, slug LIMIT ?) t JOIN seeds s ON s.name = t.name "
            "WHERE s.slug IS NOT NULL ORDER BY t.published DESC, t.slug"
        )
        for (article,) in self._db.execute(query, (kind, key, limit)):
            yield article

    def touch_many(self, files: Iterable[tuple[str, int, int]]) -> None:
        """Record the new (name, size, mtime_ns) of files whose bytes did not change."""
        self._db.executemany("UPDATE seeds SET size = ?, mtime_ns = ? WHERE name = ?", [(s, m, n) for n, s, m in files])

    def forget(self, names: Iterable[str]) -> None:
        """Drop the rows of seed files that are gone, and their rendered fragments."""
        rows = [(n,) for n in names]
        self._db.executemany("DELETE FROM fragments WHERE slug = (SELECT slug FROM seeds WHERE name = ?)", rows)
        self._db.executemany("DELETE FROM seeds WHERE name = ?", rows)
        self._db.executemany("DELETE FROM topics WHERE name = ?", rows)
        self._db.executemany("DELETE FROM cites WHERE name = ?", rows)
        self._db.executemany("DELETE FROM images WHERE name = ?", rows)

    def images(self) -> dict[str, tuple[str, str, int, int]]:
        """Each seed's local image: seed name → (path in the seeds directory, published name, size, mtime_ns)."""
        query = "SELECT name, path, file, size, mtime_ns FROM images"
        return {name: (path, file, size, mtime) for name, path, file, size, mtime in self._db.execute(query)}

    def replace_images(self, images: dict[str, tuple[str, str, int, int] | None]) -> None:
        """Record the local image of each seed named (``None``: it has none now)."""
        self._db.executemany("DELETE FROM images WHERE name = ?", [(n,) for n in images])
        self._db.executemany(
            "INSERT INTO images (name, path, file, size, mtime_ns) VALUES (?, ?, ?, ?, ?)",
            [(n, *image) for n, image in images.items() if image is not None],
        )

    def fragments(self, language: str, keys: dict[str, str]) -> dict[str, tuple[bytes, bytes]]:
        """The stored (atom, rss) fragments of these slugs for ``language`` whose key still matches."""
        query = "SELECT slug, key, atom, rss FROM fragments WHERE language = ? AND slug IN ({})"
        return {
            slug: (zlib.decompress(atom), zlib.decompress(rss))
            for slug, key, atom, rss in self._each(query, keys, language)
            if keys[slug] == key
        }

    def save_fragments(self, language: str, items: Iterable[tuple[str, str, bytes, bytes]]) -> None:
        """Store (slug, key, atom, rss) fragments rendered for ``language``."""
        self._db.executemany(
            "INSERT OR REPLACE INTO fragments (slug, language, key, atom, rss) VALUES (?, ?, ?, ?, ?)",
            [(slug, language, key, zlib.compress(atom, 1), zlib.compress(rss, 1)) for slug, key, atom, rss in items],
        )

    def ledger(self) -> Ledger:
        """The record of the last build."""
        query = "SELECT settings, scan, owed, articles, pages, rendered, out, language FROM ledger WHERE id = 1"
        found = self._db.execute(query).fetchone()
        if found is None:
            return Ledger()
        settings, scan, owed, articles, pages, rendered, out, language = found
        units = None if owed is None else frozenset(Unit.parse(name) for name in json.loads(owed))
        return Ledger(settings, scan, units, int(articles), int(pages), rendered, out, language)

    def set_ledger(self, ledger: Ledger) -> None:
        owed = None if ledger.owed is None else json.dumps(sorted(u.name for u in ledger.owed))
        self._db.execute(
            "INSERT OR REPLACE INTO ledger (id, settings, scan, owed, articles, pages, rendered, out, language) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ledger.settings,
                ledger.scan,
                owed,
                ledger.articles,
                ledger.pages,
                ledger.rendered,
                ledger.out,
                ledger.language,
            ),
        )

    def corpus_language(self) -> str | None:
        """The most common language of the published articles (ties: alphabetical); ``None`` without any.

        Answered from an index (``seeds_by_language``), without reading an article.
        """
        query = (
            "SELECT language FROM seeds WHERE slug IS NOT NULL "
            "GROUP BY language ORDER BY count(*) DESC, language LIMIT 1"
        )
        found = self._db.execute(query).fetchone()
        return None if found is None else str(found[0])

    def published(self) -> dict[str, tuple[int, int]]:
        """Every file the builds published → (size, mtime_ns) as they left it."""
        return {
            name: (size, mtime) for name, size, mtime in self._db.execute("SELECT name, size, mtime_ns FROM published")
        }

    def each_published(self) -> Iterator[tuple[str, int, int]]:
        """(name, size, mtime_ns) of every file the builds published, as SQLite reads them: no dictionary of
        100,000 entries for a build that only ``stat``s each once."""
        yield from self._db.execute("SELECT name, size, mtime_ns FROM published")

    def published_in(self, folder: str) -> list[str]:
        """The names of the published files in ``folder`` (its files and those of its subfolders), by name."""
        query = "SELECT name FROM published WHERE name >= ? AND name < ? ORDER BY name"
        return [name for (name,) in self._db.execute(query, (f"{folder}/", f"{folder}0"))]  # "0" follows "/"

    def record_published(self, files: Mapping[str, FileRecord], removed: Iterable[str]) -> None:
        """Record published files (size, mtime_ns, SHA-256) and forget the ``removed`` ones.

        The rows are generated as SQLite takes them: a cold build records 100,000.
        """
        self._db.executemany(
            "INSERT OR REPLACE INTO published (name, size, mtime_ns, sha256) VALUES (?, ?, ?, ?)",
            ((name, r.size, r.mtime_ns, r.sha256) for name, r in files.items()),
        )
        self._db.executemany("DELETE FROM published WHERE name = ?", [(name,) for name in removed])

    def forget_published(self) -> None:
        """Forget every published file (the output directory changed: nothing there is known)."""
        self._db.execute("DELETE FROM published")

    def pending_pings(self) -> set[str]:
        """Feed URLs whose WebSub ping has not yet reached the hub."""
        return {url for (url,) in self._db.execute("SELECT url FROM pending_pings")}

    def set_pending_pings(self, urls: list[str]) -> None:
        self._db.execute("DELETE FROM pending_pings")
        self._db.executemany("INSERT INTO pending_pings (url) VALUES (?)", [(u,) for u in urls])

    def commit(self) -> None:
        self._db.commit()
        self._snapshot.committed()

    def close(self) -> None:
        self._db.close()
