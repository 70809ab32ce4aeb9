"""The published feeds as the record of last resort: what readers already have.

The state database is a cache. When it is lost (deleted, corrupt and moved
aside, or reset for a new schema), what it alone knew is read back from the
Atom documents in the output directory: each published entry's
``published`` and ``updated`` (an undated seed keeps its first-seen date; an
edited one keeps its edit time) and its archive page (a page already
published keeps its entries, so the archive holds every article exactly
once). Streamed with ``iterparse``: memory stays flat for any archive size.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lxml import etree

from ..feeds.names import ARCHIVE, MAIN, archive_number, page_name

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One published entry: its dates, and its archive page (``None`` in the subscription feed)."""

    published: datetime
    updated: datetime
    page: int | None


@dataclass(frozen=True, slots=True)
class Record:
    """Every entry id found in the published feeds, and every archive page found (even an empty one)."""

    entries: dict[str, Entry] = field(default_factory=dict)
    pages: frozenset[int] = frozenset()


def read_record(out: Path) -> Record:
    """Read ``out/atom.xml`` and ``out/archive/N.atom.xml``; a file that cannot be read is skipped with a warning.

    An id found on an archive page keeps that page, even if the subscription
    feed also lists it: archive pages never change their entries.
    """
    documents: list[tuple[int | None, Path]] = [(None, out / MAIN.name("atom"))]
    pages: set[int] = set()
    try:
        for path in (out / ARCHIVE).iterdir():
            number = archive_number(f"{ARCHIVE}/{path.name}")
            if number is not None and f"{ARCHIVE}/{path.name}" == page_name(number, "atom"):
                pages.add(number)
                documents.append((number, path))
    except OSError:
        pass
    entries: dict[str, Entry] = {}
    for page, path in sorted(documents, key=lambda d: -1 if d[0] is None else d[0]):
        try:
            for entry_id, entry in _entries(path, page):
                entries[entry_id] = entry
        except (OSError, etree.XMLSyntaxError, ValueError) as exc:
            log.warning("%s: not read back while recovering the state: %s", path, exc)
    return Record(entries, frozenset(pages))


def _entries(path: Path, page: int | None) -> list[tuple[str, Entry]]:
    found: list[tuple[str, Entry]] = []
    context = etree.iterparse(
        str(path), events=("end",), tag=f"{ATOM}entry", resolve_entities=False, no_network=True, huge_tree=False
    )
    for _, element in context:
        entry_id = element.findtext(f"{ATOM}id")
        published = element.findtext(f"{ATOM}published")
        updated = element.findtext(f"{ATOM}updated")
        if entry_id and updated:
            changed = datetime.fromisoformat(updated)
            found.append((entry_id, Entry(datetime.fromisoformat(published or updated), changed, page)))
        element.clear()
    return found
