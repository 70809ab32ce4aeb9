"""The last build's listing of the seeds directory, stored compactly and kept in memory.

At 100,000 seeds, building the listing's dictionary from the rows took
230 ms; one ``marshal`` blob plus the few names changed since (the delta
table) loads in 30 ms. A process that wrote or read the snapshot keeps it
(``--watch`` builds again and again): one query for its generation, then no
load at all; a one-shot build, which would only hold 100,000 entries (about 23 MB) while it
publishes, keeps nothing (:func:`keep_listings`). The generation is a random token, not a counter: a database
replaced by a new one (lost, moved aside) must never match what this
process remembers of the old one.
"""

from __future__ import annotations

import marshal
import secrets
import sqlite3
from collections.abc import Collection

Files = dict[str, tuple[int, int]]  # seed file name → (size, mtime in ns)

#: The listing each state database's snapshot holds, by path, as this process last read or committed it:
#: (generation, files). Used only while the database's generation still matches.
_LISTINGS: dict[str, tuple[int, Files]] = {}
#: Changed names kept beside the snapshot before it is written whole again.
DELTA_MAX = 5000
_keep = False  # whether this process keeps listings in _LISTINGS (keep_listings)


def keep_listings() -> None:
    """This process builds again and again (``--watch``, ``seedfeed schedule``): keep each listing stored or
    loaded, so that the next build of the same state loads none."""
    global _keep
    _keep = True


class Snapshot:
    """The listing stored in database ``db`` (known to this process as ``key``, its absolute path)."""

    def __init__(self, db: sqlite3.Connection, key: str) -> None:
        self._db = db
        self._key = key
        self._pending: tuple[int, Files] | None = None  # stored, not yet committed

    def load(self) -> Files | None:
        """The stored listing, or ``None`` when there is none or it is damaged (the rows then say the same)."""
        found = self._db.execute("SELECT files, generation FROM snapshot WHERE id = 1").fetchone()
        if found is None:
            return None
        cached = _LISTINGS.get(self._key)
        if cached is not None and cached[0] == found[1]:
            return cached[1]
        try:
            files: Files = marshal.loads(found[0])
        except (ValueError, EOFError, TypeError):
            return None
        for name, size, mtime in self._db.execute("SELECT name, size, mtime FROM snapshot_delta"):
            if size is None:
                files.pop(name, None)
            else:
                files[name] = (size, mtime)
        if _keep:
            _LISTINGS[self._key] = (found[1], files)  # the next look in this process loads nothing
        return files

    def store(self, files: Files, changed: Collection[str] | None = None) -> None:
        """Store ``files``: only the ``changed`` names when given (and few enough), else the whole listing."""
        found = self._db.execute("SELECT generation FROM snapshot WHERE id = 1").fetchone()
        generation = secrets.randbits(62)
        pending = 0 if changed is None or found is None else self._delta_size() + len(changed)
        if changed is None or found is None or pending > DELTA_MAX:
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
        self._pending = (generation, files)

    def committed(self) -> None:
        """The transaction that stored the listing is committed: this process may use it without loading it."""
        if self._pending is not None and _keep:
            _LISTINGS[self._key] = self._pending
        self._pending = None

    def _delta_size(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM snapshot_delta").fetchone()
        return int(count)
