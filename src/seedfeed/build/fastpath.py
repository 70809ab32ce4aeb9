"""The no-change fast path, and what the output lacks.

A build whose seeds and settings are those of the last complete build, and
whose output is all there, does nothing: it costs one scan of the seeds
directory and one listing of the archive directory, whatever the corpus
size, and imports neither feedgen nor feedparser.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Iterable
from pathlib import Path

from .. import __version__
from ..config import Config
from ..feeds import FEED_FILES, PAGED
from ..feeds.names import ARCHIVE, unit_name
from ..ingest.seeds import Scan, scan_changes, scan_seeds
from ..model import Site
from ..plan.plan import Unit
from ..store.state import Ledger, State

#: Bump when parsing changes what an article holds: cached articles are then parsed again.
CACHE_VERSION = 2


def fingerprints(site: Site) -> tuple[str, str]:
    """(what the cached articles depend on besides the seed bytes, what the documents depend on).

    Parsing reads only the ids' prefix, the base URL, the time zone, the
    fallback language and the limits: a new site title, ``limit`` or hub
    renders every document again but parses no seed.
    """
    parsing = (site.id_prefix, site.base_url, site.timezone, site.language, site.limits)
    code = f"{__version__}/{CACHE_VERSION}"
    return (
        hashlib.sha256(f"{code}/{parsing!r}".encode()).hexdigest(),
        hashlib.sha256(f"{code}/{site!r}".encode()).hexdigest(),
    )


def list_seeds(config: Config, changed: Collection[str] | None, settings: str) -> Scan:
    """This build's listing of the seeds: a full scan, or the last build's listing updated for ``changed``.

    A full scan all the same when there is no last build to start from, or
    its settings differ (every seed is then read again).
    """
    if changed is None or not config.state.is_file():
        return scan_seeds(config.seeds)
    with State(config.state) as state:
        known, _ = state.known_files()
        same = state.ledger().settings == settings
    if not known or not same:
        return scan_seeds(config.seeds)
    return scan_changes(config.seeds, known, changed)


def scan_digest(scan: dict[str, tuple[int, int]], fingerprint: str) -> str:
    """One hash of every seed's name, size and mtime, and the settings: equal means nothing to do."""
    # In directory order, unsorted: a directory listed in another order only costs the slow
    # path, never a wrong answer. repr is built in C, far cheaper than hashing entry by entry.
    return hashlib.sha256(f"{fingerprint}{list(scan.items())!r}".encode()).hexdigest()


def unchanged(config: Config, digest: str) -> Ledger | None:
    """The last build's ledger when this build has nothing to do (same digest, nothing owed, output whole)."""
    with State(config.state) as state:
        ledger = state.ledger()
    if ledger.scan != digest or ledger.owed is not None or lacks_main(config.out):
        return None
    pages = sum(1 for name in _names(config.out / ARCHIVE) if not name.startswith("."))
    return ledger if pages == len(PAGED) * ledger.pages else None


def lacks_main(out: Path) -> bool:
    """True when a file every complete build publishes (a subscription feed, its view, the index) is missing."""
    return not all((out / name).is_file() for name in FEED_FILES)


def missing_pages(out: Path, pages: Iterable[int]) -> set[Unit]:
    """The archive pages with a document missing from ``out``: one listing, not a ``stat`` a page."""
    on_disk = {unit_name(ARCHIVE, name) for name in _names(out / ARCHIVE)}
    return {Unit.page(k) for k in pages if not {fmt.document(Unit.page(k).name) for fmt in PAGED} <= on_disk}


def _names(directory: Path) -> set[str]:
    try:
        with os.scandir(directory) as entries:
            return {entry.name for entry in entries}
    except OSError:
        return set()
