"""The documented nginx configuration, run in a real nginx: browsers get the pages, readers the feeds.

The server block is read from docs/serving.md itself, so the documented
configuration is the tested one. Needs Debian's ``nginx-light`` (``.ci/run``
installs it) with ``nginx`` on ``PATH`` (Debian puts it in ``/usr/sbin``, which a
non-root ``PATH`` may lack); without it these tests are skipped with that
reason, or fail when ``SEEDFEED_REQUIRE`` names ``nginx``. nginx runs in the
foreground as one process, on 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from seedfeed.build import build

from .conftest import NOW, require, wait_until

README = Path(__file__).parent.parent / "docs" / "serving.md"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # Chromium's
READER = "application/atom+xml,application/rss+xml,application/xml;q=0.9,*/*;q=0.1"  # feedparser's, shortened


def documented_block() -> str:
    """The ```nginx block under "### Behind nginx" in docs/serving.md."""
    section = README.read_text(encoding="utf-8").split("### Behind nginx", 1)[1]
    found = re.search(r"```nginx\n(.*?)```", section, re.DOTALL)
    assert found, "the nginx block of docs/serving.md is missing"
    return found.group(1)


def accepts(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def documented_nginx(out: Path, prefix: Path, path: str = "/feeds/") -> Iterator[str]:
    """The documented block serving ``out`` at ``path`` in a real nginx on 127.0.0.1: yields its origin.

    ``path`` replaces the block's ``/feeds/`` (the path of the default
    ``feeds_url``), as docs/serving.md tells a newsroom with another one to do.
    """
    program = shutil.which("nginx")
    reason = "nginx is not on PATH (Debian: apt-get install nginx-light, and put /usr/sbin on PATH)"
    require("nginx", program is not None, reason)
    assert program is not None
    port = _free_port()
    block = documented_block()
    assert "listen 80;" in block and "alias /srv/news/feeds/;" in block
    site = block.replace("/feeds/", path).replace("/feeds ", path.rstrip("/") + " ")  # /srv/news/feeds/ too
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace(
        f"alias /srv/news{path};", f"alias {out.resolve()}/;"
    )
    (prefix / "temp").mkdir(parents=True)
    temps = "".join(f"    {kind}_temp_path {prefix}/temp/{kind};\n" for kind in ("client_body", "proxy", "fastcgi"))
    temps += "".join(f"    {kind}_temp_path {prefix}/temp/{kind};\n" for kind in ("uwsgi", "scgi"))
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"daemon off;\nmaster_process off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        f"events {{}}\nhttp {{\n    include /etc/nginx/mime.types;\n    access_log off;\n{temps}{site}\n}}\n"
    )
    check = subprocess.run([program, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0 and "test is successful" in check.stderr, check.stderr
    assert "[warn]" not in check.stderr, check.stderr  # the documented block is clean, not merely accepted
    log = prefix / "error.log"
    server = subprocess.Popen([program, "-p", str(prefix), "-c", str(conf)], stderr=subprocess.DEVNULL)

    def listening() -> bool:
        assert server.poll() is None, log.read_text() if log.exists() else "nginx exited"
        return accepts(port)

    try:
        wait_until(listening, f"nginx to listen on port {port}", 10)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def nginx(corpus, make_config, tmp_path) -> Iterator[tuple[str, Path]]:
    config = make_config(corpus)
    build(config, now=NOW)
    with documented_nginx(config.out, tmp_path / "nginx") as origin:
        yield f"{origin}/feeds", config.out  # the path of the default feeds_url


def fetch(url: str, accept: str) -> tuple[dict[str, str], bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=10) as response:
        return {k.lower(): v for k, v in response.headers.items()}, response.read()


@pytest.mark.parametrize(
    ("feed", "media_type"),
    [
        ("atom.xml", "application/atom+xml"),
        ("rss.xml", "application/rss+xml"),
        ("feed.json", "application/feed+json"),
        ("tags/volitve.atom.xml", "application/atom+xml"),
        ("sources/portal24.rss.xml", "application/rss+xml"),
    ],
)
def test_nginx_gives_a_browser_the_page_and_a_reader_the_feed(nginx, feed, media_type) -> None:
    base, out = nginx
    page = feed.removesuffix(".xml").removesuffix(".json") + ".html"
    for accept, expected, content_type in (
        (BROWSER, out / page, "text/html; charset=utf-8"),
        (READER, out / feed, f"{media_type}; charset=utf-8"),
    ):
        headers, body = fetch(f"{base}/{feed}", accept)
        assert body == expected.read_bytes()
        assert headers["content-type"] == content_type
        assert "Accept" in headers["vary"] and headers["cache-control"] == "public, max-age=300"


def test_nginx_serves_the_index_and_the_opml_and_hides_the_dot_files(nginx) -> None:
    base, out = nginx
    (out / ".lock").write_text("")
    headers, _ = fetch(f"{base}/index.html", BROWSER)
    assert headers["content-type"] == "text/html; charset=utf-8"
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(f"{base}/.lock", BROWSER)
    refused.value.close()
    assert refused.value.code == 404
    headers, body = fetch(f"{base}/feeds.opml", READER)
    assert headers["content-type"] == "text/x-opml; charset=utf-8" and body == (out / "feeds.opml").read_bytes()


def test_nginx_publishes_the_output_at_the_feeds_path_only(nginx) -> None:
    base, out = nginx
    origin = base.removesuffix("/feeds")
    for path in ("/", "/feeds"):  # a person at the root, or without the slash, meets the index
        with urllib.request.urlopen(f"{origin}{path}", timeout=10) as response:  # follows the 301
            assert (response.url, response.read()) == (f"{base}/", (out / "index.html").read_bytes())
    for path in ("/atom.xml", "/index.html", "/feedsx/atom.xml"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(f"{origin}{path}", READER)
        refused.value.close()
        assert refused.value.code == 404, path
