"""The state database: when each seed was first seen and when its bytes last changed.

Embedded SQLite (stdlib ``sqlite3``). It only ever supplies *dates*, never
an id: deleting it loses edit history (``updated`` falls back to
``published``) but no reader sees an article twice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seeds (
    slug       TEXT PRIMARY KEY,
    sha256     TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    updated    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending_pings (
    url TEXT PRIMARY KEY
);
"""


@dataclass(frozen=True, slots=True)
class Seen:
    """What the state knows of one seed: its content hash and its two dates."""

    sha256: str
    first_seen: datetime
    updated: datetime


class State:
    """A handle on the state database; use as a context manager.

    Writes are collected in one transaction and only committed by
    :meth:`commit`, which the build calls after the feeds were published.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.executescript(_SCHEMA)
        path.chmod(0o600)  # private like the seeds: it is nobody else's business what changed when

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self) -> dict[str, Seen]:
        """Every recorded seed by slug."""
        rows = self._db.execute("SELECT slug, sha256, first_seen, updated FROM seeds")
        return {
            slug: Seen(digest, datetime.fromisoformat(first), datetime.fromisoformat(updated))
            for slug, digest, first, updated in rows
        }

    def record(self, slug: str, seen: Seen) -> None:
        """Insert or replace one seed's row (uncommitted until :meth:`commit`)."""
        self._db.execute(
            "INSERT OR REPLACE INTO seeds (slug, sha256, first_seen, updated) VALUES (?, ?, ?, ?)",
            (slug, seen.sha256, seen.first_seen.isoformat(), seen.updated.isoformat()),
        )

    def forget(self, slugs: list[str]) -> None:
        """Drop the rows of seeds whose files are gone."""
        self._db.executemany("DELETE FROM seeds WHERE slug = ?", [(slug,) for slug in slugs])

    def pending_pings(self) -> set[str]:
        """Feed URLs whose WebSub ping has not yet reached the hub."""
        return {url for (url,) in self._db.execute("SELECT url FROM pending_pings")}

    def set_pending_pings(self, urls: list[str]) -> None:
        self._db.execute("DELETE FROM pending_pings")
        self._db.executemany("INSERT INTO pending_pings (url) VALUES (?)", [(u,) for u in urls])

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.close()
