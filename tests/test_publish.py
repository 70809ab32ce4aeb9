"""Publishing: equal bytes are never rewritten, a failure replaces nothing, and files are durable before renames."""

from __future__ import annotations

import hashlib
import logging

import pytest

from seedfeed.errors import PublishError
from seedfeed.store.publish import SYNCFS_FROM, Writer, publish, stage, temporary


def accept(name: str, data: bytes) -> None:
    return None


def test_equal_bytes_are_not_rewritten_and_new_ones_replace_atomically(tmp_path) -> None:
    assert publish(tmp_path, [("a.xml", b"1"), ("b/c.xml", b"2")], accept) == ["a.xml", "b/c.xml"]
    mtime = (tmp_path / "a.xml").stat().st_mtime_ns
    assert publish(tmp_path, [("a.xml", b"1"), ("b/c.xml", b"3")], accept) == ["b/c.xml"]
    assert (tmp_path / "a.xml").stat().st_mtime_ns == mtime
    assert (tmp_path / "b/c.xml").read_bytes() == b"3"
    assert oct((tmp_path / "b/c.xml").stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in tmp_path.rglob(".*")] == []  # no temporary file is left


def test_a_document_that_fails_verification_replaces_nothing(tmp_path) -> None:
    publish(tmp_path, [("a.xml", b"old"), ("b.xml", b"old")], accept)

    def refuse_b(name: str, data: bytes) -> None:
        if name == "b.xml":
            raise ValueError("broken")

    with pytest.raises(PublishError, match=r"b\.xml: failed verification: broken"):
        publish(tmp_path, [("a.xml", b"new"), ("b.xml", b"new")], refuse_b)
    assert [(tmp_path / n).read_bytes() for n in ("a.xml", "b.xml")] == [b"old", b"old"]
    assert [p.name for p in tmp_path.rglob(".*")] == []


@pytest.mark.parametrize(
    ("count", "how"), [(SYNCFS_FROM - 1, "one fsync each"), (SYNCFS_FROM + 40, "one syncfs")], ids=["few", "many"]
)
def test_staged_files_are_made_durable_before_they_are_renamed(tmp_path, caplog, count, how) -> None:
    caplog.set_level(logging.DEBUG, logger="seedfeed.store.publish")
    publish(tmp_path, [(f"archive/{n}.xml", b"x") for n in range(count)], accept)
    assert f"{count} staged files made durable with {how}" in caplog.text


def test_a_tidy_writer_removes_a_killed_builds_temporary_files_and_an_untidy_one_replaces_them(tmp_path) -> None:
    from seedfeed.store.publish import Writer

    (tmp_path / ".a.xml.tmp").write_bytes(b"half of a")
    (tmp_path / ".gone.xml.tmp").write_bytes(b"half of a file no build stages again")
    assert Writer().publish(tmp_path, [("a.xml", b"1")], accept, tidy=False).written == ["a.xml"]
    assert (tmp_path / "a.xml").read_bytes() == b"1"  # its name was staged again: the leftover was replaced
    assert sorted(p.name for p in tmp_path.glob(".*")) == [".gone.xml.tmp"]  # an untidy writer lists nothing
    assert Writer().publish(tmp_path, [("a.xml", b"1")], accept, tidy=True).written == []
    assert list(tmp_path.glob(".*")) == []


def test_documents_a_worker_staged_are_renamed_with_the_rest(tmp_path) -> None:
    publish(tmp_path, [("archive/2.xml", b"same")], accept)

    def documents():  # as the build takes them: workers stage into the folders the writer prepared
        yield "a.xml", b"1"
        yield "archive/1.xml", stage(tmp_path, "archive/1.xml", b"page")
        yield "archive/2.xml", stage(tmp_path, "archive/2.xml", b"same")  # equal bytes: nothing staged

    outcome = Writer().publish(tmp_path, documents(), accept, folders=["archive"])
    assert outcome.written == ["a.xml", "archive/1.xml"]
    assert (tmp_path / "archive/1.xml").read_bytes() == b"page"
    assert outcome.files["archive/1.xml"].sha256 == hashlib.sha256(b"page").hexdigest()
    assert sorted(outcome.files) == ["a.xml", "archive/1.xml", "archive/2.xml"]
    assert [p.name for p in tmp_path.rglob(".*")] == []


def test_a_failure_removes_what_workers_staged_even_before_the_build_heard_of_it(tmp_path) -> None:
    def refuse_b(name: str, data: bytes) -> None:
        if name == "b.xml":
            raise ValueError("broken")

    def documents():
        yield "archive/1.xml", stage(tmp_path, "archive/1.xml", b"page")
        stage(tmp_path, "archive/2.xml", b"in flight")  # a worker's note that never arrives
        yield "b.xml", b"bad"

    with pytest.raises(PublishError, match="failed verification"):
        Writer().publish(tmp_path, documents(), refuse_b, folders=["archive"])
    assert [p.name for p in tmp_path.rglob("*")] == ["archive"]  # nothing published, nothing left behind
    assert not temporary(tmp_path / "archive/2.xml").exists()
