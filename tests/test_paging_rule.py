"""The archive paging rule, as a pure function: which page an article goes to, and how pages link."""

from __future__ import annotations

import pytest

from seedfeed.plan.archive import archive_page, assign_pages, is_full


@pytest.mark.parametrize(
    ("sizes", "leaving", "expected"),
    [
        ({}, ["a", "b", "c"], [("a", 1), ("b", 1), ("c", 2)]),  # the first page, then a new one
        ({1: 2}, ["a"], [("a", 2)]),  # a full page takes no more
        ({1: 2, 2: 1}, ["a", "b"], [("a", 2), ("b", 3)]),  # the newest page fills first
        ({1: 0, 2: 2}, ["a"], [("a", 3)]),  # an emptied old page is never refilled
        ({1: 2, 2: 0}, ["a"], [("a", 2)]),  # an emptied newest page is filled again
        ({1: 1}, [], []),
    ],
)
def test_an_article_goes_to_the_newest_page_while_it_has_room(sizes, leaving, expected) -> None:
    assert assign_pages(leaving, sizes, page_size=2) == expected


@pytest.mark.parametrize(
    ("number", "sizes", "full"),
    [
        (1, {1: 1}, False),  # the newest page, with room
        (1, {1: 2}, True),  # the newest page, full
        (1, {1: 0, 2: 1}, True),  # an older page is full for good, even emptied
        (2, {1: 2, 2: 0}, False),
    ],
)
def test_a_page_is_full_once_it_holds_page_size_or_a_newer_page_exists(number, sizes, full) -> None:
    assert is_full(number, sizes, page_size=2) is full


def test_pages_link_back_to_the_older_page_and_forward_once_the_next_page_exists() -> None:
    sizes = {1: 2, 2: 2, 3: 1}
    assert [(p.prev, p.next) for p in (archive_page(n, sizes, 2) for n in (1, 2, 3))] == [
        (None, 2),
        (1, 3),
        (2, None),
    ]
