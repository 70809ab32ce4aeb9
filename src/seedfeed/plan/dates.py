"""The date policy (pure): an entry's ``published`` and ``updated``, and keeping ``updated`` unique.

* ``published`` is the seed's own date (front matter, else file name), else
  when seedfeed first saw the seed. A seed that gives a day but no time of
  day is published when seedfeed first saw it if that was on that day (in
  the site's time zone), else at the start of that day: no time is made up.
* ``updated`` equals ``published`` until the seed's bytes change; an edit
  makes it the time of the build that saw it.
* No two entries share an ``updated`` (the W3C validator warns,
  ``DuplicateUpdated``): a taken instant moves on by whole seconds. That is
  how an edit, the second seed dated only by the same day, or the second
  undated seed a build first sees, gets its own ``updated`` (``00:00:00``,
  ``00:00:01``, … in the order the build reads them); ``published`` keeps the
  shared instant.
* When the state was lost, the dates the published feeds hold are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class Change(Enum):
    """What happened to a seed since the last build."""

    NEW = "new"  # new to the feeds, or fixed after being rejected
    EDITED = "edited"  # its bytes changed
    SAME = "same"  # parsed again (new settings), bytes unchanged
    RECOVERED = "recovered"  # published before the state was lost


@dataclass(frozen=True, slots=True)
class Before:
    """What the last build knew of a seed (``published`` is ``None`` if it was rejected)."""

    first_seen: datetime
    updated: datetime
    published: bool
    sha256: str


@dataclass(frozen=True, slots=True)
class Dates:
    """The dates an entry gets in this build, and the change they record."""

    first_seen: datetime
    published: datetime
    updated: datetime
    change: Change


def entry_dates(
    own: datetime | None,
    sha256: str,
    before: Before | None,
    recovered: tuple[datetime, datetime] | None,
    now: datetime,
    unique: Callable[[datetime], datetime],
    day_only: bool = False,
) -> Dates:
    """The dates of an entry whose seed has date ``own`` (or none) and bytes hashing to ``sha256``.

    ``recovered`` is (published, updated) from the published feeds when the
    state has no row for it; ``unique`` turns an edit time into one no other
    entry has (see :class:`UniqueTimes`). ``day_only``: ``own`` is the start
    of a day the seed gave without a time of day. ``now`` is in the site's
    time zone, so an edit's ``updated`` is written like every other date.

    >>> from datetime import UTC
    >>> t = datetime(2024, 1, 1, tzinfo=UTC)
    >>> entry_dates(None, "a", None, None, t, lambda d: d).change
    <Change.NEW: 'new'>
    >>> edit = entry_dates(None, "b", Before(t, t, True, "a"), None, t + timedelta(days=1), lambda d: d)
    >>> (edit.published == t, edit.updated == t + timedelta(days=1), edit.change)
    (True, True, <Change.EDITED: 'edited'>)
    >>> day = datetime(2024, 1, 1, tzinfo=UTC)
    >>> [entry_dates(day, "a", None, None, seen, lambda d: d, day_only=True).published.isoformat()
    ...  for seen in (day + timedelta(hours=17, minutes=5), day + timedelta(days=3))]
    ['2024-01-01T17:05:00+00:00', '2024-01-01T00:00:00+00:00']
    """
    first_seen = before.first_seen if before else recovered[0] if recovered else now
    published = own or first_seen
    if own is not None and day_only:
        seen = first_seen.astimezone(own.tzinfo)
        if seen.date() == own.date() and seen >= own:
            published = seen  # seedfeed saw it on its day: a time the publisher knows
    if before is None and recovered is not None:
        return Dates(first_seen, published, max(recovered[1], published), Change.RECOVERED)
    if before is None or not before.published:
        # A time nobody gave (the day's start, or the build that first saw an undated seed) is
        # shared by every seed it applies to: the tie-break keeps their updated unique.
        tie = day_only or own is None
        return Dates(first_seen, published, unique(published) if tie else published, Change.NEW)
    if before.sha256 == sha256:
        return Dates(first_seen, published, max(before.updated, published), Change.SAME)
    return Dates(first_seen, published, unique(max(now, published)), Change.EDITED)


class UniqueTimes:
    """The ``updated`` instants in use; :meth:`take` moves a taken one on by whole seconds.

    ``published`` says whether an already published entry has an instant: one
    indexed query per candidate, instead of reading every entry's date.

    >>> from datetime import UTC
    >>> t = datetime(2024, 1, 1, tzinfo=UTC)
    >>> times = UniqueTimes(lambda instant: instant == t)
    >>> times.take(t) - t, times.take(t) - t
    (datetime.timedelta(seconds=1), datetime.timedelta(seconds=2))
    """

    def __init__(self, published: Callable[[datetime], bool]) -> None:
        self._published = published
        self._seen: set[datetime] = set()

    def note(self, instant: datetime) -> None:
        """Record an ``updated`` given in this build without moving it."""
        self._seen.add(instant)

    def take(self, instant: datetime) -> datetime:
        while instant in self._seen or self._published(instant):
            instant += timedelta(seconds=1)
        self._seen.add(instant)
        return instant
