"""The state database's tables (SQLite), and how an old layout is replaced.

An older ``user_version`` is not migrated: its tables are dropped and made
anew. The published feeds are the record (:mod:`.record`); a new state costs
one full build, never an entry's id or dates.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 16
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
    language   TEXT,               -- the article's language (as in its JSON), NULL when rejected
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
-- The corpus's languages counted from the index alone (State.corpus_language): 10-17 ms at
-- 100,000 seeds, where reading every article's JSON took 2.5 s. A column, not an index on
-- json_extract(article): that parsed each row's JSON as it was written (8.5 of 20 µs a row).
CREATE INDEX IF NOT EXISTS seeds_by_language ON seeds (language) WHERE slug IS NOT NULL;
CREATE TABLE IF NOT EXISTS topics (   -- the tags and sources of each published article
    name      TEXT NOT NULL,           -- the seed's file name
    kind      TEXT NOT NULL,           -- "tags" or "sources"
    key       TEXT NOT NULL,           -- the topic's slug
    label     TEXT NOT NULL,           -- the topic as written
    published TEXT NOT NULL,           -- the article's, as its seeds row has it: written with that row
    slug      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS topics_by_key ON topics (kind, key, label);
-- A topic feed's newest articles in index order: no sort of all the topic's articles.
CREATE INDEX IF NOT EXISTS topics_by_date ON topics (kind, key, published DESC, slug);
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
    pages       INTEGER NOT NULL DEFAULT 0,
    out         TEXT,                    -- the absolute path of the output directory it published into
    language    TEXT                     -- the language every document declares: decided for the whole corpus
);
-- Every file the builds published into that output, as they left it: a build finds one missing or
-- changed by a stat, and publishes it again; a deploy uploads these and deletes only what is not here.
CREATE TABLE IF NOT EXISTS published (
    name     TEXT PRIMARY KEY,           -- relative to the output directory
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256   TEXT NOT NULL
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
-- The local lead image of each published seed that has one: a build stats each file and reads
-- again the seeds whose image changed (their bytes did not), and an image no seed uses is removed.
CREATE TABLE IF NOT EXISTS images (
    name     TEXT PRIMARY KEY,           -- the seed's file name
    path     TEXT NOT NULL,              -- the image, relative to the seeds directory
    file     TEXT NOT NULL,              -- its published name (feeds.names.asset_name)
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fragments (   -- each entry as rendered, for documents of one language
    slug     TEXT NOT NULL,
    language TEXT NOT NULL,              -- the language of the documents it was rendered for
    key      TEXT NOT NULL,              -- hash of what it was rendered from (feeds.entry.fragment_key)
    atom     BLOB NOT NULL,              -- zlib-compressed
    rss      BLOB NOT NULL,
    PRIMARY KEY (slug, language)
);
"""

#: Every table an older layout may have had: dropped when the layout changes.
_TABLES = (
    "seeds",
    "meta",
    "topics",
    "ledger",
    "fragments",
    "pages",
    "snapshot",
    "snapshot_delta",
    "cites",
    "published",
    "images",
)


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the tables of :data:`SCHEMA_VERSION`, dropping those of any other version first."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version != SCHEMA_VERSION:  # an older layout: start over (the published feeds are the record)
        db.executescript("".join(f"DROP TABLE IF EXISTS {table};" for table in _TABLES))
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.executescript(_SCHEMA)
