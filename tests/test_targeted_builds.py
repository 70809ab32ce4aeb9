"""A build told which files changed (``--watch``) publishes exactly what a full scan would."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from seedfeed.build import build
from seedfeed.config import load_config

from .conftest import NOW


def _site(root: Path) -> Path:
    seeds = root / "seeds"
    seeds.mkdir(parents=True)
    for n in range(12):
        (seeds / f"2024-02-{n + 1:02d}-c{n}.txt").write_text(f"Članek {n}\nBesedilo {n}.\nVir: STA\n")
    (root / "seedfeed.toml").write_text("[site]\nlimit = 4\npage_size = 3\n")
    return root


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _change(seeds: Path) -> set[str]:
    (seeds / "2024-03-01-nov.txt").write_text("Nov članek\nBesedilo.\nVir: Reuters\n")
    (seeds / "2024-02-05-c4.txt").write_text("Popravljen članek\nBesedilo.\n")
    (seeds / "2024-02-02-c1.txt").unlink()
    (seeds / "2024-02-03-c2.txt").rename(seeds / "2024-02-03-preimenovan.txt")
    return {
        "2024-03-01-nov.txt",
        "2024-02-05-c4.txt",
        "2024-02-02-c1.txt",
        "2024-02-03-c2.txt",
        "2024-02-03-preimenovan.txt",
    }


def test_a_targeted_build_publishes_what_a_full_scan_does(tmp_path) -> None:
    first = _site(tmp_path / "a")
    build(load_config(first / "seedfeed.toml"), now=NOW)
    second = tmp_path / "b"
    shutil.copytree(first, second, symlinks=True)
    later = NOW + timedelta(hours=1)
    names = _change(first / "seeds")
    _change(second / "seeds")
    told = build(load_config(first / "seedfeed.toml"), now=later, changed=names)
    scanned = build(load_config(second / "seedfeed.toml"), now=later)
    assert (told.new, told.changed, told.removed) == (scanned.new, scanned.changed, scanned.removed) == (2, 1, 2)
    assert _outputs(first / "feeds") == _outputs(second / "feeds")


def test_after_targeted_builds_a_full_scan_finds_nothing_to_read(tmp_path, caplog) -> None:
    root = _site(tmp_path)
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    for n in range(3):
        (root / "seeds" / f"2024-04-0{n + 1}-w{n}.txt").write_text(f"Watched {n}\nBody.\n")
        build(config, now=NOW, changed={f"2024-04-0{n + 1}-w{n}.txt"})
    caplog.set_level(logging.DEBUG, logger="seedfeed")
    report = build(config, now=NOW)
    assert report.new == report.changed == report.removed == 0
    assert any(
        r.getMessage().startswith("15 seeds in") and "0 to read, 0 gone" in r.getMessage() for r in caplog.records
    )


def test_a_build_by_another_process_between_targeted_builds_is_not_lost(tmp_path) -> None:
    root = _site(tmp_path)
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    (root / "seeds" / "2024-05-01-a.txt").write_text("Najprej\nBody.\n")
    build(config, now=NOW, changed={"2024-05-01-a.txt"})  # this process now remembers the listing
    (root / "seeds" / "2024-05-02-b.txt").write_text("Iz crona\nBody.\n")
    subprocess.run([sys.executable, "-m", "seedfeed", "build", "-q"], cwd=root, check=True)  # cron, say
    (root / "seeds" / "2024-05-03-c.txt").write_text("Potem\nBody.\n")
    build(config, now=NOW, changed={"2024-05-03-c.txt"})
    atom = (root / "feeds" / "atom.xml").read_text()
    assert "Najprej" in atom and "Iz crona" in atom and "Potem" in atom
    report = build(config, now=NOW)  # and a full scan agrees: nothing left to do
    assert report.new == report.changed == report.removed == 0


def test_new_settings_make_a_targeted_build_read_everything(tmp_path) -> None:
    root = _site(tmp_path)
    build(load_config(root / "seedfeed.toml"), now=NOW)
    (root / "seedfeed.toml").write_text('[site]\nlimit = 4\npage_size = 3\nbase_url = "https://novice.example/"\n')
    (root / "seeds" / "2024-06-01-x.txt").write_text("X\nBody.\n")
    build(load_config(root / "seedfeed.toml"), now=NOW, changed={"2024-06-01-x.txt"})
    atom = (root / "feeds" / "atom.xml").read_text()
    assert "https://example.org/" not in atom and "https://novice.example/feeds/articles/2024-06-01-x.html" in atom
