"""``seedfeed schedule --watch``: real processes, real files, waiting on what can be observed.

Every wait is bounded (``wait_until``) and polls the published feeds or the
log; nothing sleeps for a fixed time. Where a test must show that something
did *not* happen, a later change is the fence: notifications arrive in order,
so once the watcher has published a change made afterwards, it has taken in
everything before it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest

from seedfeed.watch import is_settled

from .conftest import WAIT, wait_until


def atom(site: Path) -> str:
    try:
        return (site / "feeds" / "atom.xml").read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


class Watcher:
    """``seedfeed schedule --watch`` in a directory with ``seeds/`` and ``seedfeed.toml``."""

    def __init__(self, site: Path, *extra: str) -> None:
        self.site = site
        self.log = site / "watch.log"
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *argv: str) -> Watcher:
        with self.log.open("ab") as log:
            command = argv or (sys.executable, "-m", "seedfeed", "schedule", "--watch", *self.extra)
            self.process = subprocess.Popen(command, cwd=self.site, stdout=log, stderr=log)
        wait_until(lambda: "watch: full scan" in self.text() or "scheduling builds" in self.text(), "the first build")
        return self

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def builds(self) -> int:
        return self.text().count("file(s) changed;")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=WAIT)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "2024-01-01-prvi.txt").write_text("Prvi članek\nBesedilo.\n", encoding="utf-8")
    (tmp_path / "seedfeed.toml").write_text('[site]\ntitle = "Novice"\nlimit = 1000\n', encoding="utf-8")
    return tmp_path


@pytest.fixture
def watcher(site: Path) -> Iterator[Watcher]:
    running = Watcher(site).start()
    yield running
    if running.process is not None and running.process.poll() is None:
        assert running.stop() == 0
    assert "Traceback" not in running.text(), running.text()


def test_a_dropped_seed_is_published_and_the_log_says_how_fast(watcher, site) -> None:
    (site / "seeds" / "2026-11-26-nova.txt").write_text("Nova novica\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "Nova novica" in atom(site), "the new seed in atom.xml")
    wait_until(lambda: watcher.builds() == 1, "one build")
    line = next(line for line in watcher.text().splitlines() if "file(s) changed" in line)
    assert "1 file(s) changed; 1 new" in line and "s from the change to the published feeds" in line


def test_an_edit_in_place_a_rename_over_and_a_delete_are_each_published(watcher, site) -> None:
    seed = site / "seeds" / "2024-01-01-prvi.txt"
    with seed.open("r+", encoding="utf-8") as file:  # an editor saving in place
        file.truncate(0)
        file.write("Popravljen naslov\nBesedilo.\n")
    wait_until(lambda: "Popravljen naslov" in atom(site), "the edit")
    temporary = site / "seeds" / ".prvi.txt.swp"  # write to a temporary name, then rename over
    temporary.write_text("Zamenjan naslov\nBesedilo.\n", encoding="utf-8")
    temporary.replace(seed)
    wait_until(lambda: "Zamenjan naslov" in atom(site), "the rename over the seed")
    second = site / "seeds" / "2024-01-02-drugi.txt"
    second.write_text("Drugi članek\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "Drugi članek" in atom(site), "a second seed")
    second.unlink()
    wait_until(lambda: "Drugi članek" not in atom(site), "the delete")
    assert "Zamenjan naslov" in atom(site)


def test_a_rename_to_a_new_name_is_one_build(watcher, site) -> None:
    (site / "seeds" / "2024-01-01-prvi.txt").rename(site / "seeds" / "2024-01-01-preimenovan.txt")
    wait_until(lambda: watcher.builds() >= 1, "the rename's build")
    assert "2024-01-01-preimenovan" in atom(site) and "2024-01-01-prvi<" not in atom(site)
    # Would a second build follow? Not a pause but a fence: a seed added after the rename is heard
    # after it, so once its build is logged every notification of the rename has been taken in,
    # as a build of its own (a third line) or within that one (more than 1 file changed).
    (site / "seeds" / "2024-01-02-potem.txt").write_text("Potem\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: watcher.builds() >= 2, "the build of the seed added after the rename")
    builds = [line.split("watch: ", 1)[1] for line in watcher.text().splitlines() if "file(s) changed;" in line]
    assert len(builds) == 2, watcher.text()
    assert builds[0].startswith("2 file(s) changed; 1 new, 0 changed, 1 removed,"), builds
    assert builds[1].startswith("1 file(s) changed; 1 new, 0 changed, 0 removed,"), builds


def test_a_burst_of_500_is_a_handful_of_builds_and_every_seed_once(watcher, site) -> None:
    staging = site / "staging"
    staging.mkdir()
    for n in range(500):
        (staging / f"2025-03-{n % 28 + 1:02d}-val-{n:03d}.txt").write_text(f"Val {n}\nBesedilo {n}.\n")
    subprocess.run(["cp", *sorted(map(str, staging.iterdir())), str(site / "seeds")], check=True)
    wait_until(lambda: atom(site).count("<entry") == 501, "all 500 in atom.xml")
    entries = feedparser.parse(atom(site)).entries
    assert len({e.id for e in entries}) == len(entries) == 501  # each once
    assert watcher.builds() <= 10, watcher.text()  # a handful, not 500


def test_a_file_written_slowly_is_never_published_half(watcher, site) -> None:
    seeds = site / "seeds"

    def published(text: str) -> Callable[[], bool]:
        return lambda: text in atom(site)

    with (seeds / "2026-11-26-pocasi.txt").open("w", encoding="utf-8") as file:
        for n, chunk in enumerate(("Počasen članek\nPrvi del.\n", "Drugi del.\n", "Tretji del.\n")):
            file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
            # Not a pause but a fence: a seed written after the chunk is heard after it, so once that
            # seed is published the watcher has seen the half-written file and built without it.
            (seeds / f"2026-11-2{n}-medtem.txt").write_text(f"Medtem {n}\nBesedilo.\n", encoding="utf-8")
            wait_until(published(f"Medtem {n}"), f"the seed written after chunk {n + 1}")
            assert "Počasen članek" not in atom(site)
    wait_until(published("Tretji del."), "the whole article")


def test_a_changed_configuration_file_is_applied(watcher, site) -> None:
    (site / "seedfeed.toml").write_text('[site]\ntitle = "Nove novice"\nlimit = 1000\n', encoding="utf-8")
    wait_until(lambda: "<title>Nove novice</title>" in atom(site), "the new title")
    (site / "seedfeed.toml").write_text("[site\n", encoding="utf-8")  # broken: the old settings stay
    wait_until(lambda: "keeping the previous settings" in watcher.text(), "the error line")
    (site / "seeds" / "2026-11-26-po.txt").write_text("Po napaki\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "Po napaki" in atom(site), "a seed after the broken configuration")
    assert "<title>Nove novice</title>" in atom(site)


def test_a_watcher_killed_with_sigkill_catches_up_when_restarted(site) -> None:
    first = Watcher(site).start()
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    (site / "seeds" / "2026-11-26-medtem.txt").write_text("Medtem\nBesedilo.\n", encoding="utf-8")
    (site / "seeds" / "2024-01-01-prvi.txt").unlink()
    second = Watcher(site).start()  # the lock is free, the first build scans everything
    wait_until(lambda: "Medtem" in atom(site) and "Prvi članek" not in atom(site), "the catch-up")
    assert second.stop() == 0


def test_without_file_notifications_a_warning_and_the_ticks_stand_in(site) -> None:
    script = (
        "import sys, seedfeed.watch as w\n"
        "w.notifications_available = lambda: False\n"  # as on a kernel without inotify
        "from seedfeed.cli import main\n"
        "sys.exit(main(['schedule', '--watch', '--every', '1s']))\n"
    )
    fallback = Watcher(site).start(sys.executable, "-c", script)
    assert "file notifications are not available here" in fallback.text()
    (site / "seeds" / "2026-11-26-tik.txt").write_text("Ob tiku\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "Ob tiku" in atom(site), "the next tick's full scan")
    assert fallback.stop() == 0


def test_a_file_open_for_writing_is_not_settled(tmp_path) -> None:
    path = tmp_path / "x.txt"
    with path.open("w") as file:
        file.write("a")
        file.flush()
        settled, look = is_settled(path, None)
        assert not settled  # a first look never is: the size must stand still
        settled, look = is_settled(path, look)
        assert not settled  # still open for writing
    assert is_settled(path, look) == (True, look)
    assert is_settled(tmp_path / "gone.txt", None) == (True, None)


def test_serve_watch_serves_a_dropped_seed_and_stops_on_sigterm(site) -> None:
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Watcher(site).start(sys.executable, "-m", "seedfeed", "serve", "--watch", "--port", str(port))
    url = f"http://127.0.0.1:{port}/feeds/atom.xml"  # the path of the default feeds_url

    def served() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            return ""

    wait_until(lambda: "Prvi članek" in served(), "the server")
    (site / "seeds" / "2026-11-26-v-zivo.txt").write_text("V živo\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "V živo" in served(), "the dropped seed, served")
    assert server.stop() == 0
    assert "Traceback" not in server.text()


def test_if_the_notifications_stop_full_scans_stand_in(tmp_path, monkeypatch, caplog) -> None:
    import threading

    import watchfiles

    from seedfeed import watch
    from seedfeed.build import Report
    from seedfeed.scheduler import Stop

    def broken(*args: object, **kwargs: object) -> Iterator[set[tuple[int, str]]]:
        raise OSError(28, "inotify watch limit reached")
        yield set()  # a generator, like watchfiles.watch

    monkeypatch.setattr(watchfiles, "watch", broken)
    monkeypatch.setattr(watch, "DEAF_EVERY", 0.05)
    builds: list[object] = []
    stop = Stop()

    def build(names: object) -> Report:
        builds.append(names)
        if len(builds) >= 3:
            stop.event.set()
        return Report(1, 1, 1, 0, 0, 0, (), ())

    watcher = watch.Watch(tmp_path, None, build, lambda: None, stop)
    runner = threading.Thread(target=watcher.run)
    runner.start()
    runner.join(timeout=WAIT)
    assert not runner.is_alive()
    assert builds[:3] == [None, None, None]  # the first build, then full scans
    assert "file notifications stopped (OSError" in caplog.text


@pytest.mark.parametrize(
    "replace",
    ["mv seeds seeds.old && mkdir seeds", "rm -rf seeds && mkdir seeds"],
)
def test_a_replaced_seeds_directory_is_watched_again_and_built(watcher, site, replace) -> None:
    subprocess.run(replace, shell=True, cwd=site, check=True)
    wait_until(lambda: "was replaced: watching the new one" in watcher.text(), "the info line")
    (site / "seeds" / "2026-11-26-v-novem.txt").write_text("V novem imeniku\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "V novem imeniku" in atom(site), "a seed dropped into the new directory")
    assert "Prvi članek" not in atom(site)  # the new directory's contents, not the old one's
    lines = [line for line in watcher.text().splitlines() if "seeds directory" in line]
    assert lines == [f"seedfeed: info: the seeds directory {site / 'seeds'} was replaced: watching the new one"]
    assert not unexpected_errors(watcher)


#: An empty seeds directory is never published (that would empty the feeds): the new one may be built once empty.
EMPTY = "build failed, retrying at the next change or tick: ConfigError: seeds: no seed files (*.txt); nothing"


def unexpected_errors(watcher: Watcher) -> list[str]:
    return [line for line in watcher.text().splitlines() if "error" in line and EMPTY not in line]


def test_a_directory_renamed_over_the_seeds_directory_is_published(watcher, site) -> None:
    staging = site / "seeds.new"
    staging.mkdir()
    (staging / "2026-11-26-izdaja.txt").write_text("Nova izdaja\nBesedilo.\n", encoding="utf-8")
    (site / "seeds").rename(site / "seeds.old")
    staging.rename(site / "seeds")
    wait_until(lambda: "Nova izdaja" in atom(site) and "Prvi članek" not in atom(site), "the new directory, built")
    assert "was replaced: watching the new one" in watcher.text() and "error" not in watcher.text()
    (site / "seeds.old" / "2026-11-27-staro.txt").write_text("V starem\nBesedilo.\n", encoding="utf-8")
    (site / "seeds" / "2026-11-27-novo.txt").write_text("V novem\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "V novem" in atom(site), "a seed in the new directory")
    assert "V starem" not in atom(site)  # the old directory is no longer watched


def test_a_seeds_directory_removed_and_created_later_is_watched_again(watcher, site) -> None:
    (site / "seeds").rename(site / "seeds.old")
    wait_until(lambda: "is gone: waiting for it to come back" in watcher.text(), "the info line")
    (site / "seeds").mkdir()
    (site / "seeds" / "2026-11-26-nazaj.txt").write_text("Spet tu\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "Spet tu" in atom(site) and "Prvi članek" not in atom(site), "the new directory, built")
    assert "was replaced: watching the new one" in watcher.text() and not unexpected_errors(watcher)


def test_a_configuration_that_fails_to_load_in_any_way_is_one_line_and_the_old_settings_stay(watcher, site) -> None:
    (site / "seedfeed.toml").write_text('[site]\ntitle = "Nove novice"\nlimit = 1000\n', encoding="utf-8")
    wait_until(lambda: "<title>Nove novice</title>" in atom(site), "the new title")
    (site / "seedfeed.toml").write_text(
        '[site]\ntitle = "Pokvarjeno"\nbase_url = "https://[::1/"\nlimit = 1000\n', encoding="utf-8"
    )
    wait_until(lambda: "keeping the previous settings" in watcher.text(), "the error line")
    (site / "seeds" / "2026-11-26-po.txt").write_text("Po napaki\nBesedilo.\n", encoding="utf-8")
    wait_until(lambda: "Po napaki" in atom(site), "a seed after the broken configuration")
    assert "<title>Nove novice</title>" in atom(site) and "Pokvarjeno" not in atom(site)
    errors = [line for line in watcher.text().splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("seedfeed: error: seedfeed.toml: "), errors
    assert watcher.process is not None and watcher.process.poll() is None  # still watching
