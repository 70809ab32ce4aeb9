"""Whatever lands in seeds/ costs only itself: links out, loops, odd files, odd names, odd bytes.

Each hostile entry is one rejected seed with one line naming it; the good
seeds beside it are published, and nothing of a file outside the seeds
directory reaches any output.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from seedfeed.build import build
from seedfeed.errors import SeedError
from seedfeed.ingest.seeds import read_seed

SECRET = "root:x:0:0:secret-marker"
GOOD = "2024-01-01-good.txt"


@pytest.fixture
def seeds(make_config):
    """A config whose seeds directory holds one good seed, and a secret file outside it."""
    config = make_config()
    (config.seeds / GOOD).write_text("Dobra novica\nTo je dober članek.\n")
    secret = config.seeds.parent / "passwd"
    secret.write_text(f"{SECRET}\nmore: secret\n")
    return config


def _outputs(config) -> str:
    return "".join(p.read_text() for p in config.out.rglob("*") if p.is_file())


def _only_good_published(config, report, bad: str, reason: str) -> None:
    assert [(Path(e.path).name, e.reason) for e in report.rejected] == [(bad, reason)]
    assert report.articles == 1
    outputs = _outputs(config)
    assert "Dobra novica" in outputs
    assert SECRET not in outputs


def test_an_absolute_symlink_out_of_the_seeds_directory_is_rejected_and_never_read(seeds) -> None:
    secret = seeds.seeds.parent / "passwd"
    (seeds.seeds / "2024-02-01-x.txt").symlink_to(secret)
    report = build(seeds)
    _only_good_published(
        seeds, report, "2024-02-01-x.txt", f"symlink to {secret}, outside the seeds directory: not read"
    )


def test_a_relative_symlink_out_of_the_seeds_directory_is_rejected(seeds) -> None:
    (seeds.seeds / "2024-02-01-x.txt").symlink_to("../passwd")
    report = build(seeds)
    reason = f"symlink to {seeds.seeds.parent.resolve() / 'passwd'}, outside the seeds directory: not read"
    _only_good_published(seeds, report, "2024-02-01-x.txt", reason)


def test_a_symlink_to_a_system_file_is_rejected(seeds) -> None:
    (seeds.seeds / "2024-02-01-x.txt").symlink_to("/etc/passwd")
    report = build(seeds)
    assert report.rejected[0].reason.endswith("outside the seeds directory: not read")
    assert "root:" not in _outputs(seeds)


def test_a_symlink_into_a_subdirectory_is_rejected_and_says_so(seeds) -> None:
    (seeds.seeds / "sub").mkdir()
    (seeds.seeds / "sub" / "y.txt").write_text("Naslov\nOdstavek.\n")
    (seeds.seeds / "2024-02-01-l.txt").symlink_to("sub/y.txt")
    report = build(seeds)
    target = seeds.seeds.resolve() / "sub" / "y.txt"
    reason = f"symlink to {target}, in a subdirectory: seeds are read from the seeds directory only"
    _only_good_published(seeds, report, "2024-02-01-l.txt", reason)
    assert report.seeds == report.articles + len(report.rejected)  # every seed is published or rejected


def test_a_symlink_that_stays_in_the_seeds_directory_is_followed(seeds) -> None:
    (seeds.seeds / "2024-02-01-alias.txt").symlink_to(GOOD)
    report = build(seeds)
    assert (report.articles, report.rejected) == (2, ())


def test_a_symlink_loop_is_one_rejected_seed(seeds) -> None:
    (seeds.seeds / "a.txt").symlink_to("b.txt")
    (seeds.seeds / "b.txt").symlink_to("a.txt")
    report = build(seeds)
    assert sorted((Path(e.path).name, e.reason) for e in report.rejected) == [
        ("a.txt", "symlink loop"),
        ("b.txt", "symlink loop"),
    ]
    assert report.articles == 1


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()


def _socket(path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()


def _device(path: Path) -> None:
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero; needs root, as CI and this machine run


def _dangling(path: Path) -> None:
    path.symlink_to("gone.txt")


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_fifo, "not a regular file: a FIFO"),
        (_directory, "not a regular file: a directory"),
        (_socket, "not a regular file: a socket"),
        (_device, "not a regular file: a character device"),
        (_dangling, "dangling symlink to gone.txt"),
        (_dev_zero, "symlink to /dev/zero, outside the seeds directory: not read"),
    ],
    ids=["fifo", "directory", "socket", "device", "dangling-symlink", "symlink-to-dev-zero"],
)
def test_an_entry_that_is_not_a_regular_file_is_rejected_without_being_opened(seeds, make, reason) -> None:
    make(seeds.seeds / "2024-03-01-odd.txt")
    # In a child process with a deadline: a FIFO that were opened for reading would block forever.
    result = subprocess.run(
        [sys.executable, "-m", "seedfeed", "build", "--seeds", str(seeds.seeds), "--out", str(seeds.out)],
        cwd=seeds.seeds.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"seedfeed: error: {seeds.seeds / '2024-03-01-odd.txt'}: {reason}"]
    assert "Dobra novica" in (seeds.out / "atom.xml").read_text()


def test_reading_a_device_directly_is_refused_not_read() -> None:
    with pytest.raises(SeedError, match="not a regular file: a character device"):
        read_seed(Path("/dev/zero"), confined=False)


def test_a_file_name_that_is_not_utf8_is_one_clear_line(seeds) -> None:
    name = os.fsdecode(b"2024-04-01-x-\xe8.txt")  # Windows-1250 "č"
    (seeds.seeds / name).write_text("Naslov\nOdstavek.\n")
    result = subprocess.run(
        [sys.executable, "-m", "seedfeed", "build", "--seeds", "seeds", "--out", "feeds"],
        cwd=seeds.seeds.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seedfeed: error: seeds/2024-04-01-x-\\xe8.txt: "
        "file name is not UTF-8 (byte 0xE8); rename the file to publish it"
    ]
    assert "Dobra novica" in (seeds.out / "atom.xml").read_text()


def test_a_file_name_with_a_newline_is_logged_on_one_line(seeds) -> None:
    (seeds.seeds / "bad\nname.txt").write_text("")
    report = build(seeds)
    assert [e.path for e in report.rejected] == [f"{seeds.seeds}/bad\\nname.txt"]
    assert "\n" not in str(report.rejected[0])


def test_rejected_entries_keep_being_reported_until_fixed(seeds) -> None:
    odd = seeds.seeds / "2024-03-01-odd.txt"
    odd.mkdir()
    assert len(build(seeds).rejected) == 1
    assert len(build(seeds).rejected) == 1  # no fast path hides it
    odd.rmdir()
    assert build(seeds).rejected == ()
