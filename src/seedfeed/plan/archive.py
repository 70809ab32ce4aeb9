"""The RFC 5005 archive paging rule (pure): which page an article goes to, and how pages link.

Pages are numbered from the oldest, from 1. An article that leaves the
subscription feed goes to the newest page while that page has room, else to
a new page, and keeps that page for good. So pages fill oldest first, and a
full page never changes when new articles arrive. A page whose articles
were all deleted stays (empty): removing it would break the ``prev-archive``
chain of the page after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..feeds.names import Page


def assign_pages(leaving: Iterable[str], sizes: Mapping[int, int], page_size: int) -> list[tuple[str, int]]:
    """Each article leaving the subscription feed (oldest first) with the page it goes to.

    ``sizes`` maps every existing page to the articles it holds.

    >>> assign_pages(["a", "b", "c"], {1: 2, 2: 1}, page_size=2)
    [('a', 2), ('b', 3), ('c', 3)]
    >>> assign_pages(["a"], {}, page_size=50)
    [('a', 1)]
    """
    last = max(sizes, default=0)
    size = sizes.get(last, page_size)
    assigned = []
    for name in leaving:
        if size >= page_size:
            last, size = last + 1, 0
        assigned.append((name, last))
        size += 1
    return assigned


def is_full(number: int, sizes: Mapping[int, int], page_size: int) -> bool:
    """A page is full once a newer page exists or it holds ``page_size`` articles; a full page never changes.

    >>> is_full(1, {1: 3, 2: 1}, 50), is_full(2, {1: 3, 2: 1}, 50), is_full(2, {1: 3, 2: 50}, 50)
    (True, False, True)
    """
    return number < max(sizes, default=0) or sizes.get(number, 0) >= page_size


def archive_page(number: int, sizes: Mapping[int, int], page_size: int) -> Page:
    """Page ``number`` with its RFC 5005 links: ``prev`` except on page 1; ``next`` once the next page exists.

    Every link leads to a published page: a full page gains its ``next`` when
    the next page is made (the build that makes a page renders the one before
    it again, :func:`with_neighbours`), and never changes after that.
    ``page_size`` is kept for the callers' symmetry with :func:`is_full`.

    >>> archive_page(1, {1: 50}, 50)
    Page(number=1, prev=None, next=None, topic=None, label=None)
    >>> archive_page(1, {1: 50, 2: 7}, 50)
    Page(number=1, prev=None, next=2, topic=None, label=None)
    """
    return Page(number, prev=number - 1 if number > 1 else None, next=number + 1 if number + 1 in sizes else None)


def with_neighbours(pages: set[int], made: Iterable[int]) -> set[int]:
    """``pages`` and, for each page just ``made``, the page before it, which gains its links to the new page.

    >>> sorted(with_neighbours({4, 5}, made=[5]))
    [4, 5]
    >>> sorted(with_neighbours({1}, made=[1]))
    [1]
    """
    return pages | {number - 1 for number in made if number > 1}
