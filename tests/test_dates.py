"""The date policy, as pure functions: first seen, edited, recovered, and unique ``updated`` values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from seedfeed.plan.dates import Before, Change, UniqueTimes, entry_dates

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def same(instant: datetime) -> datetime:
    return instant


@pytest.mark.parametrize(
    ("own", "sha", "before", "recovered", "expected"),
    [
        # a new dated seed: its own date, updated = published
        (T0, "a", None, None, (NOW, T0, T0, Change.NEW)),
        # a new undated seed: first seen now
        (None, "a", None, None, (NOW, NOW, NOW, Change.NEW)),
        # bytes unchanged (parsed again for new settings): dates stay
        (T0, "a", Before(T0, T0 + DAY, True, "a"), None, (T0, T0, T0 + DAY, Change.SAME)),
        # edited: updated is the build's time
        (T0, "b", Before(T0, T0, True, "a"), None, (T0, T0, NOW, Change.EDITED)),
        # an undated seed edited keeps its first sighting as published
        (None, "b", Before(T0, T0, True, "a"), None, (T0, T0, NOW, Change.EDITED)),
        # fixed after being rejected: new to the feeds, first seen when first seen
        (None, "b", Before(T0, T0, False, "a"), None, (T0, T0, T0, Change.NEW)),
        # state lost: the published feeds' dates are kept
        (None, "a", None, (T0, T0 + DAY), (T0, T0, T0 + DAY, Change.RECOVERED)),
        # state lost, and the front matter now gives a later date: updated never precedes published
        (T0 + 2 * DAY, "a", None, (T0, T0 + DAY), (T0, T0 + 2 * DAY, T0 + 2 * DAY, Change.RECOVERED)),
    ],
    ids=["new-dated", "new-undated", "unchanged", "edited", "edited-undated", "fixed", "recovered", "recovered-later"],
)
def test_entry_dates(own, sha, before, recovered, expected) -> None:
    dates = entry_dates(own, sha, before, recovered, NOW, same)
    assert (dates.first_seen, dates.published, dates.updated, dates.change) == expected


def test_an_edit_in_the_future_of_its_date_keeps_the_date_as_updated() -> None:
    future = NOW + 30 * DAY  # a seed scheduled for later: an edit now cannot precede its date
    dates = entry_dates(future, "b", Before(NOW, future, True, "a"), None, NOW, same)
    assert dates.updated == future


def test_updated_values_are_unique_across_the_published_entries_and_this_build() -> None:
    asked = []

    def published(instant: datetime) -> bool:
        asked.append(instant)
        return instant == NOW

    times = UniqueTimes(published)
    times.note(NOW + timedelta(seconds=1))  # a new entry of this build
    assert times.take(NOW) == NOW + timedelta(seconds=2)
    assert times.take(NOW) == NOW + timedelta(seconds=3)
    second = timedelta(seconds=1)
    # one indexed question per candidate not taken in this build: never every entry's date
    assert asked == [NOW, NOW + 2 * second, NOW, NOW + 3 * second]


# --- a seed that gives a day but no time of day ---------------------------------------

LJUBLJANA = ZoneInfo("Europe/Ljubljana")
DAY_START = datetime(2025, 11, 21, tzinfo=LJUBLJANA)


def test_a_day_only_seed_seen_on_its_day_is_published_when_it_was_first_seen() -> None:
    seen = datetime(2025, 11, 21, 16, 5, 30, tzinfo=UTC)  # 17:05:30 in Ljubljana
    dates = entry_dates(DAY_START, "a", None, None, seen, same, day_only=True)
    assert dates.published.isoformat() == "2025-11-21T17:05:30+01:00"


@pytest.mark.parametrize(
    "seen",
    [datetime(2025, 11, 22, 9, 0, tzinfo=UTC), datetime(2025, 11, 20, 23, 30, tzinfo=UTC)],
    ids=["seen-days-later", "seen-before-its-day"],  # 00:30 on the 21st in Ljubljana counts as on the day
)
def test_a_day_only_seed_seen_on_another_day_is_published_at_the_start_of_its_day(seen: datetime) -> None:
    dates = entry_dates(DAY_START, "a", None, None, seen, same, day_only=True)
    on_the_day = seen.astimezone(LJUBLJANA).date() == DAY_START.date()
    assert dates.published == (seen if on_the_day else DAY_START)


def test_day_only_seeds_of_one_day_share_published_but_never_updated() -> None:
    times = UniqueTimes(lambda instant: False)
    later = datetime(2026, 1, 1, tzinfo=UTC)
    first, second = (entry_dates(DAY_START, s, None, None, later, times.take, day_only=True) for s in "ab")
    assert first.published == second.published == DAY_START
    assert (first.updated - DAY_START, second.updated - DAY_START) == (timedelta(0), timedelta(seconds=1))


def test_undated_seeds_first_seen_by_one_build_share_published_but_never_updated() -> None:
    times = UniqueTimes(lambda instant: False)
    first, second = (entry_dates(None, s, None, None, NOW, times.take) for s in "ab")
    assert first.published == second.published == NOW
    assert second.updated - first.updated == timedelta(seconds=1)
