"""``seedfeed deploy`` against a running S3-compatible server (moto_server on 127.0.0.1), checked by plain GETs."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from seedfeed.build import build
from seedfeed.config import load_config
from seedfeed.deploy import MANIFEST, Settings, Target, deploy, plan_deploy, prepare, published
from seedfeed.feeds import media_type
from seedfeed.feeds.names import publish_order as rank

from .conftest import NOW, wait_until

SECRET = "s3cr3t-never-logged"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class S3Server:
    """``moto_server`` in a child process on 127.0.0.1."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = (tmp / f"moto-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=log,
            env={**os.environ, **env},
        )
        log.close()
        wait_until(self.listening, f"moto_server to listen on port {self.port}", 30)

    def listening(self) -> bool:
        assert self.process.poll() is None, "moto_server exited"
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def create_bucket(self, name: str) -> None:
        """A bucket anyone may read, as one behind a CDN is (a bucket policy: s3:GetObject for everyone)."""
        request = urllib.request.Request(f"{self.url}/{name}", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass
        policy = (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
            f'"Action": "s3:GetObject", "Resource": "arn:aws:s3:::{name}/*"}}]}}'
        ).encode()
        headers = {"Content-Type": "application/json"}  # not a form: moto would read the body as one
        request = urllib.request.Request(f"{self.url}/{name}?policy", data=policy, method="PUT", headers=headers)
        with urllib.request.urlopen(request, timeout=10):
            pass

    def get(self, bucket: str, key: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(f"{self.url}/{bucket}/{key}", timeout=10) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            error.close()
            return error.code, {}, b""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> Iterator[S3Server]:
    server = S3Server(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


@pytest.fixture
def env(monkeypatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


_buckets = iter(range(10**6))


@pytest.fixture
def bucket(s3) -> str:
    name = f"news-{next(_buckets)}"
    s3.create_bucket(name)
    return name


def _site(root: Path, seeds: int = 9) -> Path:
    (root / "seeds").mkdir(parents=True)
    for n in range(seeds):
        tags = "volitve" if n < 2 else "sport"
        (root / "seeds" / f"2024-02-{n + 1:02d}-c{n}.txt").write_text(
            f"---\ntags: {tags}\n---\nČlanek {n}\nBesedilo {n}.\nVir: STA\n"
        )
    (root / "seedfeed.toml").write_text("[site]\nlimit = 3\npage_size = 2\n")
    return root


def _settings(s3: S3Server, bucket: str, **options: object) -> Settings:
    return Settings(to=Target(bucket, "feeds/"), endpoint_url=s3.url, **options)  # type: ignore[arg-type]


def test_the_first_deploy_sends_every_object_with_its_type_and_cache_headers(tmp_path, s3, bucket, env) -> None:
    config = load_config(_site(tmp_path) / "seedfeed.toml")
    build(config, now=NOW)
    report = deploy(config, _settings(s3, bucket))
    files = published(config)
    assert sorted(report.uploaded) == sorted(files) and report.deleted == []
    assert any(n.startswith("archive/") for n in files) and any(n.startswith("tags/") for n in files)
    newest = max(int(n.split("/")[1].split(".")[0]) for n in files if n.startswith("archive/"))
    for name, data in files.items():
        status, headers, body = s3.get(bucket, f"feeds/{name}")
        assert (status, body) == (200, data), name
        assert headers["content-type"] == media_type(name), name
        full_page = name.startswith("archive/") and not name.startswith(f"archive/{newest}.")
        expected = "public, max-age=86400" if full_page else "public, max-age=300"
        assert headers["cache-control"] == expected, name


def test_a_second_deploy_sends_nothing(tmp_path, s3, bucket, env) -> None:
    config = load_config(_site(tmp_path) / "seedfeed.toml")
    build(config, now=NOW)
    deploy(config, _settings(s3, bucket))
    again = deploy(config, _settings(s3, bucket))
    assert (again.uploaded, again.deleted, again.unchanged) == ([], [], len(published(config)))
    assert again.read == 0  # every file as it was uploaded (size, mtime, headers): none is read


def test_one_new_article_sends_only_the_documents_it_changed(tmp_path, s3, bucket, env) -> None:
    root = _site(tmp_path)
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    deploy(config, _settings(s3, bucket))
    (root / "seeds" / "2024-03-01-nov.txt").write_text("---\ntags: sport\n---\nNov članek\nBesedilo.\nVir: STA\n")
    written = build(config, now=NOW).written
    report = deploy(config, _settings(s3, bucket))
    # What the build rewrote: the new page 4, and page 3, now full, which gains its links to page 4
    # (next-archive, "newer stories"). Its JSON page, the same bytes, is sent for its long Cache-Control.
    assert {"archive/4.atom.xml", "archive/3.atom.xml", "archive/3.rss.xml"} <= set(written)
    assert {"archive/3.atom.html", "archive/3.rss.html", "archive/3.html"} <= set(written)
    assert "archive/3.json" not in written
    assert sorted(report.uploaded) == sorted({*written, "archive/3.json"}) and report.deleted == []
    assert report.read == len(report.uploaded)  # only what is sent is read: the other files are not opened
    assert s3.get(bucket, "feeds/archive/3.atom.xml")[1]["cache-control"] == "public, max-age=86400"
    assert b"Nov \xc4\x8dlanek" in s3.get(bucket, "feeds/atom.xml")[2]


def test_a_deploy_never_deletes_what_the_output_lost_but_the_builds_still_publish(tmp_path, s3, bucket, env) -> None:
    import shutil

    root = _site(tmp_path)
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    deploy(config, _settings(s3, bucket))
    shutil.rmtree(config.out / "tags")  # lost locally: the next build publishes it again
    report = deploy(config, _settings(s3, bucket))
    assert report.deleted == [] and report.uploaded == []
    assert s3.get(bucket, "feeds/tags/volitve.atom.xml")[0] == 200
    build(config, now=NOW)
    assert (config.out / "tags" / "volitve.atom.xml").is_file()


def test_a_deploy_uploads_only_what_the_builds_published(tmp_path, s3, bucket, env) -> None:
    root = _site(tmp_path)
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    for stray in ("notes.txt", "x.sqlite3", "draft.tmp", "tags/leftover.atom.xml"):
        (config.out / stray).write_text("private")
    report = deploy(config, _settings(s3, bucket))
    assert sorted(report.uploaded) == sorted(published(config))
    for stray in ("notes.txt", "x.sqlite3", "draft.tmp", "tags/leftover.atom.xml"):
        assert stray not in report.uploaded and s3.get(bucket, f"feeds/{stray}")[0] == 404


def test_a_topic_feed_the_build_removed_is_deleted_remotely(tmp_path, s3, bucket, env) -> None:
    root = _site(tmp_path)
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    deploy(config, _settings(s3, bucket))
    assert s3.get(bucket, "feeds/tags/volitve.atom.xml")[0] == 200
    for n in (0, 1):  # the only two articles tagged "volitve"
        (root / "seeds" / f"2024-02-0{n + 1}-c{n}.txt").unlink()
    build(config, now=NOW)
    report = deploy(config, _settings(s3, bucket))
    assert {"tags/volitve.atom.xml", "tags/volitve.rss.xml", "tags/volitve.atom.html"} <= set(report.deleted)
    for name in report.deleted:
        assert s3.get(bucket, f"feeds/{name}")[0] == 404
    assert s3.get(bucket, "feeds/tags/sport.atom.xml")[0] == 200


def test_gzip_objects_are_stored_compressed_with_their_encoding(tmp_path, s3, bucket, env) -> None:
    config = load_config(_site(tmp_path) / "seedfeed.toml")
    build(config, now=NOW)
    deploy(config, _settings(s3, bucket, gzip=True))
    request = urllib.request.Request(f"{s3.url}/{bucket}/feeds/atom.xml", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.read()) == (config.out / "atom.xml").read_bytes()


def test_a_dry_run_sends_nothing(tmp_path, s3, bucket, env) -> None:
    config = load_config(_site(tmp_path) / "seedfeed.toml")
    build(config, now=NOW)
    report = deploy(config, _settings(s3, bucket), dry_run=True)
    assert report.dry_run and sorted(report.uploaded) == sorted(published(config))
    assert s3.get(bucket, "feeds/atom.xml")[0] == 404 and s3.get(bucket, f"feeds/{MANIFEST}")[0] == 404


def test_the_order_never_breaks_a_reader() -> None:
    settings = Settings(to=Target("b"))
    names = ["index.html", "feeds.opml", "atom.xml", "rss.xml", "feed.json", "atom.html", "tags/x.rss.xml"]
    names += [f"archive/{n}.{kind}.xml" for n in (1, 2, 3) for kind in ("atom", "rss")]
    names += ["articles/kim.html"]
    uploads = [prepare(name, b"x", settings, 3) for name in names]
    send, gone, unchanged = plan_deploy(uploads, {"tags/old.rss.xml": "h", "atom.xml": "h"}, {"atom.xml"})
    order = [u.name for u in send]
    assert order[0] == "articles/kim.html"  # an article page before every feed whose entry links it
    assert order[1:7] == [f"archive/{n}.{kind}.xml" for n in (3, 2, 1) for kind in ("atom", "rss")]  # newest first
    assert order.index("tags/x.rss.xml") < order.index("atom.xml") < order.index("feed.json")
    assert order.index("rss.xml") < order.index("feeds.opml") and order.index("atom.xml") < order.index("index.html")
    assert (gone, unchanged) == (["tags/old.rss.xml"], 0)
    assert rank("archive/10.atom.xml") < rank("archive/9.atom.xml")


def _chain_resolves(s3: S3Server, bucket: str, name: str) -> int:
    """Follow ``prev-archive`` from the remote ``name``: every link must answer 200; the pages met."""
    status, _, body = s3.get(bucket, f"feeds/{name}")
    if status == 404:
        return 0
    met = 0
    while True:
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0
        prev = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
        if not prev:
            return met
        key = prev[0].removeprefix("https://example.org/feeds/")
        status, _, body = s3.get(bucket, f"feeds/{key}")
        assert status == 200, f"{name}: prev-archive {key} is missing"
        met += 1


def test_a_deploy_killed_halfway_keeps_every_chain_resolvable_and_the_next_finishes(tmp_path, s3, bucket) -> None:
    root = _site(tmp_path, seeds=9)
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    command = [sys.executable, "-m", "seedfeed", "deploy", "-v", "--to", f"s3://{bucket}/feeds"]
    command += ["--endpoint-url", s3.url]
    environment = {**os.environ, **CREDENTIALS}
    subprocess.run(command, cwd=root, env=environment, check=True, capture_output=True)
    for n in range(60):  # 30 new archive pages, two formats each
        (root / "seeds" / f"2025-01-{n % 28 + 1:02d}-n{n:02d}.txt").write_text(f"Novo {n}\nBesedilo.\n")
    build(config, now=NOW)
    killer = subprocess.Popen(command, cwd=root, env=environment, stderr=subprocess.PIPE, text=True)
    assert killer.stderr is not None
    uploaded = 0
    for line in killer.stderr:
        uploaded += "uploaded s3://" in line
        if uploaded == 25:
            killer.send_signal(signal.SIGKILL)
            break
    killer.stderr.close()
    killer.wait(timeout=30)
    assert uploaded == 25, "the deploy ended before it could be killed halfway"
    for name in ("atom.xml", "rss.xml"):  # old or new, each remote feed's chain resolves
        _chain_resolves(s3, bucket, name)
    finished = subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    for name, data in published(config).items():
        assert s3.get(bucket, f"feeds/{name}")[2] == data, name
    assert _chain_resolves(s3, bucket, "atom.xml") == len(list((config.out / "archive").glob("*.atom.xml")))


def test_a_wrong_bucket_is_one_clear_line_and_exit_6(tmp_path, s3) -> None:
    root = _site(tmp_path)
    build(load_config(root / "seedfeed.toml"), now=NOW)
    done = subprocess.run(
        [sys.executable, "-m", "seedfeed", "deploy", "--to", "s3://no-such-bucket/feeds", "--endpoint-url", s3.url],
        cwd=root,
        env={**os.environ, **CREDENTIALS},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 6
    assert done.stderr == "seedfeed: error: deploy: s3://no-such-bucket/feeds/: no such bucket\n"


def test_wrong_credentials_are_one_clear_line_and_never_logged(tmp_path) -> None:
    secured = S3Server(tmp_path, INITIAL_NO_AUTH_ACTION_COUNT="0")  # every request must carry known keys
    try:
        root = _site(tmp_path)
        build(load_config(root / "seedfeed.toml"), now=NOW)
        done = subprocess.run(
            [sys.executable, "-m", "seedfeed", "deploy", "-v", "--to", "s3://news", "--endpoint-url", secured.url],
            cwd=root,
            env={**os.environ, **CREDENTIALS},
            capture_output=True,
            text=True,
        )
    finally:
        secured.stop()
    assert done.returncode == 6
    assert done.stderr.splitlines()[-1] == (
        "seedfeed: error: deploy: s3://news/: the access key is not known to the storage (check the credentials)"
    )
    assert SECRET not in done.stderr + done.stdout


def test_websub_pings_go_out_after_the_deploy_made_the_change_visible(tmp_path, s3, bucket) -> None:
    seen: list[bool] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(b"Nov \xc4\x8dlanek" in s3.get(bucket, "feeds/atom.xml")[2])  # already there?
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hub = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=hub.serve_forever, daemon=True)
    thread.start()
    try:
        root = _site(tmp_path)
        (root / "seedfeed.toml").write_text(
            f'[site]\nlimit = 3\npage_size = 2\nhub = "http://127.0.0.1:{hub.server_port}/"\n'
            f'[deploy]\nto = "s3://{bucket}/feeds"\nendpoint_url = "{s3.url}"\n'
        )
        (root / "seeds" / "2024-03-01-nov.txt").write_text("Nov članek\nBesedilo.\n")
        done = subprocess.run(
            [sys.executable, "-m", "seedfeed", "build", "--deploy"],
            cwd=root,
            env={**os.environ, **CREDENTIALS},
            capture_output=True,
            text=True,
        )
    finally:
        hub.shutdown()
        hub.server_close()
    assert done.returncode == 0, done.stderr
    assert seen and all(seen)


class Flaky:
    """A proxy in front of the S3 server that answers the first PUT of each subscription feed with 503 SlowDown."""

    def __init__(self, upstream: S3Server) -> None:
        import http.client

        failed: set[str] = set()
        self.failures = failed

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "PUT" and self.path.endswith(("/atom.xml", "/rss.xml")) and self.path not in failed:
                    failed.add(self.path)
                    error = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                    self.send_response(503)
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    self.wfile.write(error)
                    return
                connection = http.client.HTTPConnection("127.0.0.1", upstream.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = f"127.0.0.1:{upstream.port}"
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"


def test_transient_errors_are_retried_with_backoff(tmp_path, s3, bucket, env) -> None:
    flaky = Flaky(s3)
    thread = threading.Thread(target=flaky.server.serve_forever, daemon=True)
    thread.start()
    try:
        config = load_config(_site(tmp_path) / "seedfeed.toml")
        build(config, now=NOW)
        report = deploy(config, Settings(to=Target(bucket, "feeds/"), endpoint_url=flaky.url))
    finally:
        flaky.server.shutdown()
        flaky.server.server_close()
    files = published(config)
    assert flaky.failures == {f"/{bucket}/feeds/atom.xml", f"/{bucket}/feeds/rss.xml"}  # each failed once
    assert sorted(report.uploaded) == sorted(files)
    for name, data in files.items():
        assert s3.get(bucket, f"feeds/{name}")[2] == data


def test_deploy_without_a_target_is_a_usage_error(tmp_path) -> None:
    root = _site(tmp_path)
    done = subprocess.run([sys.executable, "-m", "seedfeed", "deploy"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 2
    assert "deploy needs --to s3://BUCKET[/PREFIX] (or [deploy] to in seedfeed.toml)" in done.stderr


@pytest.mark.parametrize("url", ["s3:/news", "news/feeds", "s3://N", "s3://ab", "https://news/feeds"])
def test_a_target_that_is_not_an_s3_url_is_refused(url: str) -> None:
    from seedfeed.errors import ConfigError

    with pytest.raises(ConfigError, match="is not an S3 URL such as s3://bucket/prefix"):
        Target.parse(url)


def test_the_commands_say_what_they_deployed(tmp_path, s3, bucket, env, monkeypatch, capsys) -> None:
    from seedfeed.cli import main

    root = _site(tmp_path)
    monkeypatch.chdir(root)
    assert main(["build", "--to", f"s3://{bucket}/feeds"]) == 2  # --to alone deploys nothing: say so
    assert "--to only applies with --deploy (or use 'seedfeed deploy')" in capsys.readouterr().err
    target = ["--to", f"s3://{bucket}/feeds", "--endpoint-url", s3.url]
    assert main(["deploy", "--dry-run", *target]) == 6  # nothing built yet
    assert main(["build", "--deploy", *target]) == 0
    out = capsys.readouterr().out
    count = len(published(load_config(root / "seedfeed.toml")))
    assert f"seedfeed: deploy to s3://{bucket}/feeds/: uploaded {count} object(s), deleted 0, 0 unchanged" in out
    (root / "seeds" / "2024-03-01-nov.txt").write_text("Nov\nBesedilo.\n")
    assert main(["build", "-q"]) == 0
    assert main(["deploy", "--dry-run", *target]) == 0
    out = capsys.readouterr().out
    assert f"would upload s3://{bucket}/feeds/atom.xml\n" in out
    assert s3.get(bucket, "feeds/atom.xml")[2] != (root / "feeds" / "atom.xml").read_bytes()  # nothing sent


def test_a_storage_that_accepts_and_never_answers_is_given_up_on_within_the_timeouts(tmp_path, env) -> None:
    import time

    from seedfeed.errors import DeployError

    config = load_config(_site(tmp_path) / "seedfeed.toml")
    build(config, now=NOW)
    with socket.socket() as blackhole:  # connections complete in the kernel's backlog, and nobody ever answers
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(64)
        settings = Settings(
            to=Target("news"), endpoint_url=f"http://127.0.0.1:{blackhole.getsockname()[1]}", timeout=0.5, attempts=2
        )
        assert settings.patience == 2.0  # two attempts of 0.5 s, and at most 1 s of backoff between them
        start = time.monotonic()
        with pytest.raises(DeployError) as raised:
            deploy(config, settings, client=None)
        took = time.monotonic() - start
    assert took < settings.patience + 2, took
    assert raised.value.describe() == "deploy: s3://news/: the storage did not answer (2 attempts, 0.5 s each): gave up"
    assert Settings(to=Target("news")).patience <= 30  # the defaults give up within 30 s (boto3's took 212 s)


def _deploy_cli(root: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment |= {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, **env}
    command = [sys.executable, "-m", "seedfeed", "deploy", "--to", "s3://news/feeds", *argv]
    return subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("argv", "table", "env", "line"),
    [
        (["--endpoint-url", "notaurl"], "", CREDENTIALS, "'notaurl' is not an absolute http(s) URL"),
        (["--endpoint-url", "http://[::1/"], "", CREDENTIALS, "'http://[::1/' does not parse as a URL"),
        ([], 'region = "eu central 1"', CREDENTIALS, "deploy.region 'eu central 1' is not a region name"),
        (
            ["--endpoint-url", "http://127.0.0.1:9"],
            "",
            {"AWS_ACCESS_KEY_ID": "testing"},  # the secret is missing
            "deploy: s3://news/feeds/: incomplete credentials: Partial credentials found in env, missing: "
            "AWS_SECRET_ACCESS_KEY",
        ),
    ],
    ids=["endpoint-not-a-url", "endpoint-bad-ipv6", "bad-region", "partial-credentials"],
)
def test_deploy_settings_wrong_before_any_request_are_one_line_and_exit_2(tmp_path, argv, table, env, line) -> None:
    root = _site(tmp_path)
    build(load_config(root / "seedfeed.toml"), now=NOW)
    with (root / "seedfeed.toml").open("a") as toml:
        toml.write(f"[deploy]\n{table}\n")
    done = _deploy_cli(root, *argv, **env)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    if argv and argv[0] == "--endpoint-url" and "credentials" not in line:  # a flag: argparse's usage and its error
        assert done.stderr.splitlines()[-1].startswith("seedfeed deploy: error: argument --endpoint-url: " + line)
    else:
        assert len(done.stderr.splitlines()) == 1 and line in done.stderr and "Traceback" not in done.stderr


def test_a_storage_refusing_connections_is_one_line_and_exit_6(tmp_path) -> None:
    root = _site(tmp_path)
    build(load_config(root / "seedfeed.toml"), now=NOW)
    with socket.socket() as closed:  # bound, not listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        done = _deploy_cli(root, "--endpoint-url", f"http://127.0.0.1:{closed.getsockname()[1]}", **CREDENTIALS)
    assert done.returncode == 6, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("seedfeed: error: deploy: s3://news/feeds/: cannot connect to the storage after 3")


@pytest.mark.slow
def test_deploys_racing_builds_that_add_and_remove_a_topic_all_succeed(tmp_path, s3, bucket, env) -> None:
    root = _site(tmp_path)
    config = load_config(root / "seedfeed.toml")
    build(config, now=NOW)
    seed = root / "seeds" / "2024-03-01-hitro.txt"
    done = threading.Event()
    errors: list[BaseException] = []
    toggles = [0]

    def builds() -> None:  # the topic "hitro" (tag feeds, their pages and views) appears and goes, again and again
        try:
            while not done.is_set() or toggles[0] % 2:  # and ends removed
                if toggles[0] % 2 == 0:
                    seed.write_text(f"---\ntags: hitro\n---\nHitro {toggles[0]}\nBesedilo.\n")
                else:
                    seed.unlink()
                build(config, now=NOW)
                toggles[0] += 1
        except BaseException as exc:
            errors.append(exc)

    builder = threading.Thread(target=builds)
    builder.start()
    failures = []
    try:
        for _ in range(12):
            try:
                deploy(config, _settings(s3, bucket))
            except Exception as exc:  # anything but success is what this test is about
                failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        done.set()
        builder.join(timeout=60)
    assert not errors and not failures, (errors, failures)
    assert toggles[0] >= 12, toggles  # the builds did race the deploys
    deploy(config, _settings(s3, bucket))  # at rest: the bucket is the output, exactly
    for name, data in published(config).items():
        assert s3.get(bucket, f"feeds/{name}")[2] == data, name
    assert s3.get(bucket, "feeds/tags/hitro.atom.xml")[0] == 404  # the last build removed the topic
