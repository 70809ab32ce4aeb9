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
import marshal
import os
import secrets
import sqlite3
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import StateError
from ..plan.plan import Unit

SCHEMA_VERSION = 11
_SCHEMA = """
CREATE TABLE IF NOT EXISTS seeds (
    name       TEXT PRIMARY KEY,   -- the seed's file name
    size       INTEGER NOT NULL,
    mtime_ns   INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    updated    TEXT NOT NULL,      -- when the bytes last changed (or published, if never)
    slug       TEXT,               -- NULL when the seed is rejected: "slug IS NOT NULL" means published
    published  TEXT,               -- UTC ISO 8601: sorts as text
    title_key  TEXT,               -- case- and space-folded title, for related-story links
    link       TEXT,
    article    TEXT,               -- the parsed article as JSON
    error      TEXT,               -- why the seed was rejected, or NULL
    page       INTEGER,            -- its RFC 5005 archive page, NULL while in the subscription feeds
    updated_utc TEXT               -- updated in UTC: equal instants compare equal as text
);
-- Covering and partial indexes: at 100,000 seeds a query that reads the article column of
-- every row (to test it for NULL) costs 0.1 s; these answer from the index alone.
CREATE INDEX IF NOT EXISTS seeds_by_page ON seeds (page, slug);
CREATE INDEX IF NOT EXISTS seeds_by_date ON seeds (published DESC, slug);
CREATE INDEX IF NOT EXISTS seeds_unarchived ON seeds (published DESC, slug) WHERE slug IS NOT NULL AND page IS NULL;
CREATE INDEX IF NOT EXISTS seeds_by_updated ON seeds (updated_utc) WHERE slug IS NOT NULL;
CREATE INDEX IF NOT EXISTS seeds_by_title ON seeds (title_key);
CREATE INDEX IF NOT EXISTS seeds_by_slug ON seeds (slug);
CREATE TABLE IF NOT EXISTS topics (   -- the tags and sources of each published article
    name  TEXT NOT NULL,               -- the seed's file name
    kind  TEXT NOT NULL,               -- "tags" or "sources"
    key   TEXT NOT NULL,               -- the topic's slug
    label TEXT NOT NULL                -- the topic as written
);
CREATE INDEX IF NOT EXISTS topics_by_key ON topics (kind, key, label);
CREATE INDEX IF NOT EXISTS topics_by_name ON topics (name);
CREATE TABLE IF NOT EXISTS pages (number INTEGER PRIMARY KEY);  -- every archive page made, even emptied ones
CREATE INDEX IF NOT EXISTS seeds_rejected ON seeds (name) WHERE error IS NOT NULL;
CREATE TABLE IF NOT EXISTS ledger (      -- the record of the last build: one row
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    settings    TEXT,                    -- fingerprint of the settings and code the articles were parsed with
    rendered    TEXT,                    -- fingerprint of all the settings the documents were rendered with
    scan        TEXT,                    -- digest of the listing of the last complete build
    owed        TEXT,                    -- JSON list of units a build committed but has not published yet
    articles    INTEGER NOT NULL DEFAULT 0,
    pages       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1), files BLOB NOT NULL, generation INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS snapshot_delta (name TEXT PRIMARY KEY, size INTEGER, mtime INTEGER);
-- The folded titles of the related stories each article cites without a URL of its own: when an
-- article with such a title comes or goes, the citing articles' documents are rendered again.
CREATE TABLE IF NOT EXISTS cites (name TEXT NOT NULL, title_key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cites_by_title ON cites (title_key);
CREATE INDEX IF NOT EXISTS cites_by_name ON cites (name);
CREATE TABLE IF NOT EXISTS pending_pings (url TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS fragments (   -- each entry as rendered, for documents of one language
    slug     TEXT NOT NULL,
    language TEXT NOT NULL,              -- the language of the documents it was rendered for
    key      TEXT NOT NULL,              -- hash of what it was rendered from (feeds.entry.fragment_key)
    atom     BLOB NOT NULL,              -- zlib-compressed
    rss      BLOB NOT NULL,
    PRIMARY KEY (slug, language)
);
"""


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
    """

    settings: str | None = None
    scan: str | None = None
    owed: frozenset[Unit] | None = None
    articles: int = 0
    pages: int = 0
    rendered: str | None = None


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


_COLUMNS = "name, size, mtime_ns, sha256, first_seen, updated, slug, published, title_key, link, article, error, page"


#: SQLite's primary result codes for a file that is not (or no longer) a database.
_CORRUPT_CODES = {11: "SQLITE_CORRUPT", 26: "SQLITE_NOTADB"}
#: And for the reasons a good database cannot be used, in words an operator acts on.
_REASONS = {
    8: "the state database is read-only",
    13: "the disk is full",
    14: "cannot open the state database",
    10: "input/output error on the state database",
    3: "permission denied",
    23: "not authorised",
}


def is_corrupt(exc: sqlite3.Error) -> bool:
    """True when SQLite says the file is damaged or not a database at all (so it can be set aside)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _CORRUPT_CODES


def reason(exc: sqlite3.Error) -> str:
    """One line on why the state database cannot be used.

    >>> import sqlite3
    >>> error = sqlite3.OperationalError("database or disk is full")
    >>> error.sqlite_errorcode = 13
    >>> reason(error)
    'the disk is full (database or disk is full)'
    """
    code = getattr(exc, "sqlite_errorcode", None)
    words = _REASONS.get(code & 0xFF) if code is not None else None
    return f"{words} ({exc})" if words else str(exc)


def unreadable(path: Path) -> bool:
    """True when the database file exists but cannot be opened for reading and writing, in a
    directory that can be written: then it can be set aside like a corrupt one."""
    try:
        os.close(os.open(path, os.O_RDWR))
        return False
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=".probe-")
    except OSError:
        return False
    os.close(fd)
    Path(probe).unlink()
    return True


def move_aside(path: Path, stamp: str) -> Path:
    """Rename a corrupt database (and its journal) to ``<name>.corrupt-<stamp>``, kept for inspection."""
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("-journal", "-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
    path.replace(aside)
    return aside


#: The listing each state database's snapshot holds, by path, as this process last read or committed it:
#: (generation, files). Used only while the database's generation still matches.
_LISTINGS: dict[str, tuple[int, dict[str, tuple[int, int]]]] = {}
#: Changed names kept beside the snapshot before it is written whole again.
_DELTA_MAX = 5000


class State:
    """A handle on the state database; use as a context manager. Nothing is written before :meth:`commit`.

    SQLite's errors come out as they are: :func:`is_corrupt` and :func:`reason`
    tell the build what to do with them.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self._key = str(path.absolute())
        self._listing: tuple[int, dict[str, tuple[int, int]]] | None = None
        if readonly:  # a worker process reading what the build committed
            self._db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
            return
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(path.parent, f"cannot create the state directory: {exc.strerror}") from None
        self._db = sqlite3.connect(path)
        try:
            self._open(path)
        except BaseException:
            self._db.close()
            raise

    def _open(self, path: Path) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version != SCHEMA_VERSION:  # an older layout: start over (the published feeds are the record)
            self._db.executescript(
                "DROP TABLE IF EXISTS seeds; DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS topics;"
                "DROP TABLE IF EXISTS ledger; DROP TABLE IF EXISTS fragments;"
                "DROP TABLE IF EXISTS pages; DROP TABLE IF EXISTS snapshot; DROP TABLE IF EXISTS snapshot_delta;"
                "DROP TABLE IF EXISTS cites;"
            )
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._db.executescript(_SCHEMA)
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

        Read from one stored snapshot (``marshal``) and the few changes
        recorded since (``snapshot_delta``): at 100,000 seeds that is 30 ms,
        where building the same dictionary from the rows took 230 ms. A
        process that wrote or read the snapshot keeps it in memory (``--watch``
        builds again and again): one query for its generation, then no load.
        The dictionary returned must not be changed.
        """
        rejected = {name for (name,) in self._db.execute("SELECT name FROM seeds WHERE error IS NOT NULL")}
        found = self._db.execute("SELECT files, generation FROM snapshot WHERE id = 1").fetchone()
        if found is not None:
            cached = _LISTINGS.get(self._key)
            if cached is not None and cached[0] == found[1]:
                return cached[1], rejected
            try:
                files: dict[str, tuple[int, int]] = marshal.loads(found[0])
            except (ValueError, EOFError, TypeError):  # a damaged snapshot: the rows say the same, slower
                files = {}
            else:
                for name, size, mtime in self._db.execute("SELECT name, size, mtime FROM snapshot_delta"):
                    if size is None:
                        files.pop(name, None)
                    else:
                        files[name] = (size, mtime)
                _LISTINGS[self._key] = (found[1], files)  # the next look in this process loads nothing
                return files, rejected
        return {name: (size, mtime) for name, (size, mtime, _) in self.files().items()}, rejected

    def set_known_files(self, files: dict[str, tuple[int, int]], changed: Iterable[str] | None = None) -> None:
        """Store the files this build recorded, for :meth:`known_files`.

        With ``changed`` (the only names that may differ from the stored
        snapshot), only their entries are written; otherwise, or once the
        changes pile up, the whole snapshot. ``files`` must not be changed
        afterwards: it is kept in memory after :meth:`commit`.
        """
        found = self._db.execute("SELECT generation FROM snapshot WHERE id = 1").fetchone()
        # A random token, not a counter: a database replaced by a new one (lost, moved aside)
        # must never match what this process remembers of the old one.
        generation = secrets.randbits(62)
        pending = 0 if changed is None or found is None else self._delta_size()
        if changed is None or found is None or pending > _DELTA_MAX:
            self._db.execute("DELETE FROM snapshot_delta")
            self._db.execute(
                "INSERT OR REPLACE INTO snapshot (id, files, generation) VALUES (1, ?, ?)",
                (marshal.dumps(files), generation),
            )
        else:
            self._db.executemany(
                "INSERT OR REPLACE INTO snapshot_delta (name, size, mtime) VALUES (?, ?, ?)",
                [(name, *files.get(name, (None, None))) for name in changed],
            )
            self._db.execute("UPDATE snapshot SET generation = ? WHERE id = 1", (generation,))
        self._listing = (generation, files)

    def _delta_size(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM snapshot_delta").fetchone()
        return int(count)

    def rows(self, names: Iterable[str]) -> dict[str, Row]:
        """The full rows of ``names``."""
        result: dict[str, Row] = {}
        names = list(names)
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for values in self._db.execute(f"SELECT {_COLUMNS} FROM seeds WHERE name IN ({marks})", chunk):
                row = _row(values)
                result[row.name] = row
        return result

    def updated_taken(self, instant: datetime) -> bool:
        """True when a published article already has ``updated`` at ``instant`` (as stored)."""
        query = "SELECT 1 FROM seeds WHERE slug IS NOT NULL AND updated_utc = ? LIMIT 1"
        return self._db.execute(query, (instant.astimezone(UTC).isoformat(),)).fetchone() is not None

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

    def count(self) -> int:
        (count,) = self._db.execute("SELECT count(slug) FROM seeds").fetchone()
        return int(count)

    def link_for_title(self, title_key: str) -> str | None:
        """The link of the article with this folded title (the first by slug), if any."""
        found = self._db.execute(
            "SELECT link FROM seeds WHERE title_key = ? AND slug IS NOT NULL ORDER BY slug LIMIT 1", (title_key,)
        ).fetchone()
        return None if found is None else str(found[0])

    def slug_owner(self, slug: str) -> str | None:
        """The file name that publishes ``slug``, if any."""
        found = self._db.execute("SELECT name FROM seeds WHERE slug = ?", (slug,)).fetchone()
        return None if found is None else str(found[0])

    def put(self, row: Row) -> None:
        self.put_many([row])

    def put_many(self, rows: Iterable[Row]) -> None:
        """Insert or replace rows, one statement for all of them."""
        self._db.executemany(
            f"INSERT OR REPLACE INTO seeds ({_COLUMNS}, updated_utc) VALUES ({','.join('?' * 14)})",
            [_values(r) for r in rows],
        )

    def replace_topics(self, topics: dict[str, list[tuple[str, str, str]]]) -> None:
        """Replace the (kind, key, label) topics of each file name's article."""
        names = list(topics)
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            self._db.execute(f"DELETE FROM topics WHERE name IN ({','.join('?' * len(chunk))})", chunk)
        self._db.executemany(
            "INSERT INTO topics (name, kind, key, label) VALUES (?, ?, ?, ?)",
            [(name, *t) for name, items in topics.items() for t in items],
        )

    def replace_cites(self, cites: dict[str, list[str]]) -> None:
        """Replace the folded related-story titles each file name's article cites."""
        names = list(cites)
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            self._db.execute(f"DELETE FROM cites WHERE name IN ({','.join('?' * len(chunk))})", chunk)
        self._db.executemany(
            "INSERT INTO cites (name, title_key) VALUES (?, ?)", [(n, t) for n, keys in cites.items() for t in keys]
        )

    def citing(self, title_keys: Iterable[str]) -> set[str]:
        """The file names whose articles cite a related story with one of these folded titles."""
        keys = list(title_keys)
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found |= {n for (n,) in self._db.execute(f"SELECT name FROM cites WHERE title_key IN ({marks})", chunk)}
        return found

    def archive_many(self, assignments: Iterable[tuple[str, int]]) -> None:
        """Give each (file name, page) its archive page, and record the pages as made."""
        assignments = list(assignments)
        self.add_pages({page for _, page in assignments})
        self._db.executemany("UPDATE seeds SET page = ? WHERE name = ?", [(p, n) for n, p in assignments])

    def topics_of(self, names: Iterable[str]) -> set[tuple[str, str]]:
        """The (kind, key) topics of these files' articles."""
        found: set[tuple[str, str]] = set()
        names = list(names)
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            query = f"SELECT kind, key FROM topics WHERE name IN ({','.join('?' * len(chunk))})"
            found.update(self._db.execute(query, chunk))
        return found

    def topic_counts(self) -> dict[tuple[str, str], tuple[str, int]]:
        """Every (kind, key) topic → (its label, how many published articles have it)."""
        # Only published articles have topics (a rejected or deleted seed's are removed): no join.
        query = "SELECT kind, key, min(label), count(*) FROM topics GROUP BY kind, key"
        return {(kind, key): (label, int(count)) for kind, key, label, count in self._db.execute(query)}

    def topic_articles(self, kind: str, key: str, limit: int) -> Iterator[str]:
        """The article JSON of the newest ``limit`` articles of one topic, newest first."""
        query = (
            "SELECT s.article FROM topics t JOIN seeds s ON s.name = t.name WHERE t.kind = ? AND t.key = ? "
            "AND s.slug IS NOT NULL ORDER BY s.published DESC, s.slug LIMIT ?"
        )
        for (article,) in self._db.execute(query, (kind, key, limit)):
            yield article

    def touch(self, name: str, size: int, mtime_ns: int) -> None:
        """Record new size and mtime for a file whose bytes did not change."""
        self._db.execute("UPDATE seeds SET size = ?, mtime_ns = ? WHERE name = ?", (size, mtime_ns, name))

    def forget(self, names: Iterable[str]) -> None:
        """Drop the rows of seed files that are gone, and their rendered fragments."""
        rows = [(n,) for n in names]
        self._db.executemany("DELETE FROM fragments WHERE slug = (SELECT slug FROM seeds WHERE name = ?)", rows)
        self._db.executemany("DELETE FROM seeds WHERE name = ?", rows)
        self._db.executemany("DELETE FROM topics WHERE name = ?", rows)
        self._db.executemany("DELETE FROM cites WHERE name = ?", rows)

    def fragments(self, language: str, keys: dict[str, str]) -> dict[str, tuple[bytes, bytes]]:
        """The stored (atom, rss) fragments of these slugs for ``language`` whose key still matches."""
        found: dict[str, tuple[bytes, bytes]] = {}
        slugs = list(keys)
        for start in range(0, len(slugs), 500):
            chunk = slugs[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT slug, key, atom, rss FROM fragments WHERE language = ? AND slug IN ({marks})"
            for slug, key, atom, rss in self._db.execute(query, (language, *chunk)):
                if keys[slug] == key:
                    found[slug] = (zlib.decompress(atom), zlib.decompress(rss))
        return found

    def save_fragments(self, language: str, items: Iterable[tuple[str, str, bytes, bytes]]) -> None:
        """Store (slug, key, atom, rss) fragments rendered for ``language``."""
        self._db.executemany(
            "INSERT OR REPLACE INTO fragments (slug, language, key, atom, rss) VALUES (?, ?, ?, ?, ?)",
            [(slug, language, key, zlib.compress(atom, 1), zlib.compress(rss, 1)) for slug, key, atom, rss in items],
        )

    def ledger(self) -> Ledger:
        """The record of the last build."""
        query = "SELECT settings, scan, owed, articles, pages, rendered FROM ledger WHERE id = 1"
        found = self._db.execute(query).fetchone()
        if found is None:
            return Ledger()
        settings, scan, owed, articles, pages, rendered = found
        units = None if owed is None else frozenset(Unit.parse(name) for name in json.loads(owed))
        return Ledger(settings, scan, units, int(articles), int(pages), rendered)

    def set_ledger(self, ledger: Ledger) -> None:
        owed = None if ledger.owed is None else json.dumps(sorted(u.name for u in ledger.owed))
        self._db.execute(
            "INSERT OR REPLACE INTO ledger (id, settings, scan, owed, articles, pages, rendered) "
            "VALUES (1, ?, ?, ?, ?, ?, ?)",
            (ledger.settings, ledger.scan, owed, ledger.articles, ledger.pages, ledger.rendered),
        )

    def pending_pings(self) -> set[str]:
        """Feed URLs whose WebSub ping has not yet reached the hub."""
        return {url for (url,) in self._db.execute("SELECT url FROM pending_pings")}

    def set_pending_pings(self, urls: list[str]) -> None:
        self._db.execute("DELETE FROM pending_pings")
        self._db.executemany("INSERT INTO pending_pings (url) VALUES (?)", [(u,) for u in urls])

    def commit(self) -> None:
        self._db.commit()
        if self._listing is not None:  # committed: this process may use its listing without loading it
            _LISTINGS[self._key] = self._listing
            self._listing = None

    def close(self) -> None:
        self._db.close()


def _values(row: Row) -> tuple[Any, ...]:
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
        row.updated.astimezone(UTC).isoformat(),
    )


def _row(values: tuple[Any, ...]) -> Row:
    name, size, mtime_ns, sha256, first_seen, updated, *rest = values
    return Row(name, size, mtime_ns, sha256, datetime.fromisoformat(first_seen), datetime.fromisoformat(updated), *rest)
