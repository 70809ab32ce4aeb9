"""The plan of a build, as a pure function of the seed listing and the last build's record."""

from __future__ import annotations

import pytest

from seedfeed.plan.plan import Plan, Unit, plan

LAST = {"a.txt": (10, 1), "b.txt": (20, 2), "c.txt": (30, 3)}


@pytest.mark.parametrize(
    ("listing", "rejected", "unchanged", "expected"),
    [
        (LAST, [], True, Plan((), (), False)),  # nothing changed: nothing to do
        ({**LAST, "d.txt": (1, 9)}, [], True, Plan(("d.txt",), (), False)),  # added
        ({**LAST, "b.txt": (20, 7)}, [], True, Plan(("b.txt",), (), False)),  # touched or edited
        ({**LAST, "b.txt": (21, 2)}, [], True, Plan(("b.txt",), (), False)),  # same mtime, new size
        ({"a.txt": (10, 1), "c.txt": (30, 3)}, [], True, Plan((), ("b.txt",), False)),  # deleted
        (LAST, ["c.txt"], True, Plan(("c.txt",), (), False)),  # rejected before: read again
        ({"a.txt": (10, 1)}, ["c.txt"], True, Plan((), ("b.txt", "c.txt"), False)),  # rejected and gone
        (LAST, [], False, Plan(("a.txt", "b.txt", "c.txt"), (), True)),  # settings changed: everything
    ],
    ids=["unchanged", "added", "mtime", "size", "deleted", "rejected", "rejected-gone", "settings"],
)
def test_plan(listing, rejected, unchanged, expected) -> None:
    assert plan(listing, LAST, rejected, unchanged) == expected


def test_a_first_build_reads_every_seed() -> None:
    assert plan(LAST, {}, [], True).read == ("a.txt", "b.txt", "c.txt")


def test_units_name_their_documents_and_parse_back() -> None:
    units = [Unit.page(12), Unit.topic("tags", "volitve"), Unit.topic("sources", "sta")]
    assert [u.name for u in units] == ["archive/12", "tags/volitve", "sources/sta"]
    assert [Unit.parse(u.name) for u in units] == units
    assert [u.number for u in units] == [12, None, None]
    with pytest.raises(ValueError, match="unknown topic kind"):
        Unit.topic("authors", "x")
