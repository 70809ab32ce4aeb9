"""Peers that hang or fail never hold up local publishing: ``--watch --deploy`` deploys beside the builds."""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedfeed.cli.commands import Background
from seedfeed.errors import DeployError

from .conftest import WAIT, wait_until
from .test_watch import Watcher, atom

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def test_deploys_run_one_at_a_time_and_builds_made_meanwhile_are_one_more_deploy_of_the_latest() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[tuple[str, list[str]]] = []

    def job(config: str, written: list[str]) -> None:
        calls.append((config, written))
        started.set()
        assert release.wait(WAIT)

    deploys = Background(job)
    deploys.submit("build 1", ["atom.xml"])
    assert started.wait(WAIT)
    for n, written in ((2, ["rss.xml"]), (3, ["tags/x.atom.xml"]), (4, [])):  # three builds while it hangs
        deploys.submit(f"build {n}", written)
    assert calls == [("build 1", ["atom.xml"])]  # still the one deploy
    release.set()
    wait_until(lambda: not deploys.busy(), "the deploys to end")
    assert calls == [("build 1", ["atom.xml"]), ("build 4", ["rss.xml", "tags/x.atom.xml"])]
    assert (deploys.deploys, deploys.failures) == (2, 0)


def test_a_failed_deploy_is_one_line_keeps_its_pings_and_is_tried_again_after_the_next_build(caplog) -> None:
    outcomes = [DeployError("s3://news/: the storage did not answer (3 attempts, 8 s each): gave up"), None]
    calls: list[list[str]] = []
    kept: list[list[str]] = []

    def job(config: str, written: list[str]) -> None:
        calls.append(written)
        if failure := outcomes.pop(0):
            raise failure

    deploys = Background(job, lambda config, written: kept.append(written))
    with caplog.at_level(logging.ERROR, logger="seedfeed"):
        deploys.submit("config", ["atom.xml", "rss.xml"])
        wait_until(lambda: not deploys.busy(), "the failed deploy")
    assert [r.getMessage() for r in caplog.records] == [
        "deploy: s3://news/: the storage did not answer (3 attempts, 8 s each): gave up; the local feeds are "
        "published, the deploy is tried again after the next build"
    ]
    assert kept == [["atom.xml", "rss.xml"]]  # pending pings, sent after the next deploy that succeeds
    assert calls == [["atom.xml", "rss.xml"]]  # nothing retried before a build
    deploys.submit("config", ["index.html"])  # the next build
    wait_until(lambda: not deploys.busy(), "the second deploy")
    assert calls[1:] == [["index.html"]] and (deploys.deploys, deploys.failures) == (2, 1)


class Blackhole:
    """An S3 endpoint on 127.0.0.1 that accepts every connection and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                self.held.append(self.sock.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    def close(self) -> None:
        """Refuse from now on, and reset the connections held."""
        self.closed.set()
        self.thread.join(timeout=5)
        self.sock.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def blackhole() -> Iterator[Blackhole]:
    hole = Blackhole()
    yield hole
    hole.close()


def test_watch_deploy_publishes_locally_at_once_while_the_deploy_hangs(tmp_path: Path, blackhole, monkeypatch) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "2024-01-01-prvi.txt").write_text("Prvi članek\nBesedilo.\n", encoding="utf-8")
    (tmp_path / "seedfeed.toml").write_text(
        f'[site]\ntitle = "Novice"\n[deploy]\nto = "s3://news/feeds"\nendpoint_url = "{blackhole.url}"\n',
        encoding="utf-8",
    )
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)  # the child process's
    watcher = Watcher(tmp_path).start(sys.executable, "-m", "seedfeed", "schedule", "--watch", "--deploy")
    try:
        wait_until(lambda: blackhole.held, "the deploy to connect (and hang)")
        (tmp_path / "seeds" / "2026-11-26-nova.txt").write_text("Nova novica\nBesedilo.\n", encoding="utf-8")
        took = wait_until(lambda: "Nova novica" in atom(tmp_path), "the new seed in the local atom.xml")
        assert took < 2.0, took  # not the 27 s the storage is given to answer
        assert "deploy to" not in watcher.text() and "error" not in watcher.text()  # it still hangs
        blackhole.close()  # the storage refuses now: the deploy fails, one line
        wait_until(lambda: "seedfeed: error: deploy: s3://news/feeds/: " in watcher.text(), "the deploy's error line")
        start = time.monotonic()
        assert watcher.stop(signal.SIGTERM) == 0
        assert time.monotonic() - start < 10
    finally:
        if watcher.process is not None and watcher.process.poll() is None:
            watcher.process.kill()
            watcher.process.wait(timeout=WAIT)
    errors = [line for line in watcher.text().splitlines() if "error" in line]
    assert errors and all(line.startswith("seedfeed: error: deploy: s3://news/feeds/: ") for line in errors), errors
    assert all(line.endswith("the deploy is tried again after the next build") for line in errors), errors
    assert "Traceback" not in watcher.text()
