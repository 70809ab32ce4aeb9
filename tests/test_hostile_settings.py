"""Hostile settings: every bad path, URL, text or number is one line and exit 2, and nothing is touched.

Each case runs the command line in a publisher's directory (the shipped seed,
and a ``seedfeed.toml`` the case writes), and checks the one line on stderr
names the setting and the reason, and that no feed, state or rename happened.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from seedfeed.cli import EXIT_OK, EXIT_USAGE, main

from .conftest import SHIPPED_SEED


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A publisher's directory with the shipped seed, as the cwd."""
    (tmp_path / "seeds").mkdir()
    shutil.copy(SHIPPED_SEED, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _one_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("seedfeed: error: "), err
    return lines[0]


def _usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """The message argparse exits 2 with (after its usage line)."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("usage: ")
    return err.splitlines()[-1]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---- 1. paths -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["seeds", "feeds", "precious", "feeds/tags"])
def test_a_directory_named_as_the_state_is_exit_2_and_left_where_it_is(project, capsys, state) -> None:
    assert main(["build", "-q"]) == EXIT_OK  # feeds/ and a state exist, and would be lost if renamed
    (project / "precious").mkdir()
    (project / "precious" / "keep.txt").write_text("mine")
    (project / "feeds" / "tags").mkdir(exist_ok=True)
    before = _tree(project)
    (project / "seedfeed.toml").write_text(f'[paths]\nstate = "{state}"\n')
    assert main(["build"]) == EXIT_USAGE
    assert f"the state '{state}' is a directory" in _one_error(capsys)
    assert _tree(project) == {**before, "seedfeed.toml": (project / "seedfeed.toml").read_bytes()}
    assert not list(project.rglob("*.corrupt-*"))


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("seeds/state.sqlite3", "the state 'seeds/state.sqlite3' is inside the seeds directory 'seeds'"),
        ("feeds/x.sqlite3", "the state 'feeds/x.sqlite3' is inside the output directory 'feeds', which is published"),
        ("feeds/deep/er/x.sqlite3", "the state 'feeds/deep/er/x.sqlite3' is inside the output directory 'feeds'"),
        ("seedfeed.toml", "the state 'seedfeed.toml' is the configuration file 'seedfeed.toml'"),
    ],
)
def test_a_state_inside_the_seeds_or_the_output_is_exit_2_and_nothing_is_written(
    project, capsys, state, message
) -> None:
    (project / "seedfeed.toml").write_text(f'[paths]\nstate = "{state}"\n')
    before = _tree(project)
    assert main(["build"]) == EXIT_USAGE
    assert message in _one_error(capsys)
    assert _tree(project) == before


@pytest.mark.parametrize(
    ("toml", "flags", "message"),
    [
        (
            '[paths]\nout = "."\n',
            [],
            "the seeds directory 'seeds' is inside the output directory '.', which is published",
        ),
        ('[paths]\nout = "seeds"\n', [], "the output directory 'seeds' is the seeds directory 'seeds'"),
        ("", ["--out", "seeds"], "the output directory 'seeds' is the seeds directory 'seeds'"),
        ("", ["--out", "."], "the seeds directory 'seeds' is inside the output directory '.', which is published"),
        (
            '[paths]\nseeds = "/nonexistent/seeds"\nstate = "/nonexistent/x.sqlite3"\n',
            ["--out", "."],
            "the configuration file 'seedfeed.toml' is inside the output directory '.', which is published",
        ),
    ],
)
def test_an_output_that_would_publish_seeds_or_configuration_is_exit_2(project, capsys, toml, flags, message) -> None:
    (project / "seedfeed.toml").write_text(toml)
    before = _tree(project)
    assert main(["build", *flags]) == EXIT_USAGE
    assert message in _one_error(capsys)
    assert _tree(project) == before


def test_a_symlink_cannot_hide_the_state_inside_the_output(project, capsys) -> None:
    (project / "feeds").mkdir()
    (project / "private").symlink_to(project / "feeds")
    (project / "seedfeed.toml").write_text('[paths]\nstate = "private/state.sqlite3"\n')
    assert main(["build"]) == EXIT_USAGE
    assert "is inside the output directory 'feeds'" in _one_error(capsys)
    assert not list((project / "feeds").iterdir())


# ---- 2. values in seedfeed.toml -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[site]\nbase_url = "https://[::1/"\n',
            "site.base_url must be an ASCII http(s) URL: 'https://[::1/' does not parse",
        ),
        ('[site]\nbase_url = "javascript:alert(1)//"\n', "site.base_url must be an ASCII http(s) URL: 'javascript:"),
        (
            '[site]\nbase_url = "https://exa_mple..org/"\n',
            "site.base_url must be an ASCII http(s) URL: 'https://exa_mple",
        ),
        (
            '[site]\nfeeds_url = "javascript:alert(1)//"\n',
            "site.feeds_url must be an ASCII http(s) URL: 'javascript:alert(1)//' is not an absolute http(s) URL",
        ),
        ('[site]\nfeeds_url = "//cdn.example.org/feeds/"\n', "site.feeds_url must be an ASCII http(s) URL"),
        ('[site]\nhub = "data:text/html,x"\n', "site.hub must be an ASCII http(s) URL: 'data:text/html,x' is not"),
        (
            '[site]\nhub = "https://hub.example:99999/"\n',
            "site.hub must be an ASCII http(s) URL: 'https://hub.example:99999/'",
        ),
        (
            '[site]\nhub = "https://hüb.example/"\n',
            "site.hub must be an ASCII http(s) URL: 'https://hüb.example/' has non-ASCII",
        ),
        (
            '[site]\nrelated_url = "javascript:{slug}"\n',
            "site.related_url must be an ASCII http(s) URL with {slug} in it",
        ),
        (
            '[site]\nrelated_url = "https://x..example/{slug}"\n',
            "'https://x..example/x' has host 'x..example', which is not a valid host name",
        ),
        ('[site]\nrelated_url = "https://example.org/a b/{slug}"\n', "non-ASCII, space or control characters"),
        ('[sources]\nSTA = "javascript:alert(1)"\n', "sources.STA must be an ASCII http(s) URL: 'javascript:alert(1)'"),
        ('[sources]\nSTA = "https://"\n', "sources.STA must be an ASCII http(s) URL: 'https://' has no host"),
        ('[deploy]\nendpoint_url = "notaurl"\n', "deploy.endpoint_url must be an ASCII http(s) URL: 'notaurl' is not"),
        ('[deploy]\nregion = "eu west"\n', "deploy.region 'eu west' is not a region name"),
        (
            '[deploy]\ncache_control = "public\\r\\nX-Evil: 1"\n',
            "deploy.cache_control has the control character U+000D",
        ),
        ('[site]\nid_prefix = "urn:news:"\n', "site.id_prefix is 'urn:news:', which is not a tag: URI"),
        ('[site]\nid_prefix = "tag:example.org:"\n', "site.id_prefix is 'tag:example.org:', which is not a tag: URI"),
        ('[site]\nid_prefix = "tag:example.org,2026-13:"\n', "site.id_prefix is 'tag:example.org,2026-13:'"),
        ('[site]\nid_prefix = "tag:exa mple.org,2026:"\n', "site.id_prefix is 'tag:exa mple.org,2026:'"),
        ('[site]\nid_prefix = "https://exa mple.org/"\n', "site.id_prefix is 'https://exa mple.org/'"),
        (
            '[site]\nbase_url = "http://[::1]:8080/"\n',
            "site.base_url's host gives the entry id prefix 'tag:::1,2026:', which is not a tag: URI",
        ),
    ],
)
def test_a_bad_url_or_id_setting_is_exit_2_naming_it(project, capsys, toml, message) -> None:
    (project / "seedfeed.toml").write_text(toml)
    before = _tree(project)
    assert main(["build"]) == EXIT_USAGE
    assert message in _one_error(capsys)
    assert _tree(project) == before


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[site]\ntitle = "Novice\\u0007"\n', "site.title has the character U+0007 at position 7"),
        ('[site]\ntitle = "\\u0000"\n', "site.title has the character U+0000 at position 1"),
        ('[site]\ntitle = "a\\u000bb"\n', "site.title has the character U+000B"),
        ('[site]\ntitle = "a\\ufffe"\n', "site.title has the character U+FFFE"),
        ('[site]\ntitle = "a\\uffff"\n', "site.title has the character U+FFFF"),
        ('[site]\ntitle = "a\\u0085"\n', "site.title has the character U+0085"),
        ('[site]\ndescription = "x\\u001bx"\n', "site.description has the character U+001B"),
        ('[site]\nauthor = "Uredni\\u0008stvo"\n', "site.author has the character U+0008"),
        ('[sources]\n"ST\\u0001A" = "https://sta.si/"\n', "the [sources] name 'ST\\x01A' has the character U+0001"),
        ('[site]\ntitle = ""\n', "site.title is empty"),
        ('[site]\ntitle = " \\t "\n', "site.title is empty"),
        ('[site]\ndescription = ""\n', "site.description is empty"),
        ('[site]\nauthor = ""\n', "site.author is empty"),
    ],
)
def test_a_text_setting_a_feed_cannot_carry_is_exit_2_not_every_seed_rejected(project, capsys, toml, message) -> None:
    (project / "seedfeed.toml").write_text(toml)
    assert main(["build"]) == EXIT_USAGE
    assert message in _one_error(capsys)
    assert not (project / "feeds").exists() and not (project / ".seedfeed").exists()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[site]\nlimit = 9223372036854775808\n",
            "site.limit must be at least 1 and at most 1000000; got 9223372036854775808",
        ),
        ("[site]\nlimit = 1000001\n", "site.limit must be at least 1 and at most 1000000"),
        ("[site]\nlimit = -5\n", "site.limit must be at least 1"),
        ("[site]\npage_size = 9223372036854775807\n", "site.page_size must be at least 1 and at most 1000000"),
        ("[site]\npage_size = 0\n", "site.page_size must be at least 1"),
        ("[site]\ntopic_min = 0\n", "site.topic_min must be at least 1"),
        ("[site]\ntopic_min = 2000000\n", "site.topic_min must be at least 1 and at most 1000000"),
        (
            "[limits]\nparagraphs = 9223372036854775808\n",
            "limits.paragraphs must be an integer of at least 1 and at most",
        ),
        ("[limits]\nentry_bytes = 0\n", "limits.entry_bytes must be an integer of at least 1"),
        ("[limits]\nentry_bytes = 1099511627776\n", "limits.entry_bytes must be an integer of at least 1 and at most"),
        ("[limits]\nrelated = -1\n", "limits.related must be an integer of at least 0"),
        ("[limits]\ncredits = 10000001\n", "limits.credits must be an integer of at least 0 and at most 1000000"),
        ("[serve]\nport = 99999\n", "serve.port must be at least 0 and at most 65535; got 99999"),
        ("[serve]\nport = -1\n", "serve.port must be at least 0 and at most 65535; got -1"),
        ("[serve]\nmax_age = -1\n", "serve.max_age must be at least 0"),
        ("[serve]\nmax_age = 9223372036854775807\n", "serve.max_age must be at least 0 and at most 2147483647"),
    ],
)
def test_a_number_out_of_range_is_exit_2_naming_the_setting(project, capsys, toml, message) -> None:
    (project / "seedfeed.toml").write_text(toml)
    assert main(["build"]) == EXIT_USAGE
    assert message in _one_error(capsys)
    assert not (project / "feeds").exists() and not (project / ".seedfeed").exists()


# ---- 3. the configuration file itself -------------------------------------------------------------------


def _fifo(root: Path) -> Path:
    os.mkfifo(root / "fifo.toml")  # no writer: a blocking open or read would wait forever
    return root / "fifo.toml"


def _large(root: Path) -> Path:
    path = root / "large.toml"
    with path.open("wb") as file:
        file.truncate(2 * 1024 * 1024)  # sparse: 2 MiB of NULs
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: Path("/dev/zero"), "/dev/zero: the configuration file is not a regular file"),
        (_fifo, "fifo.toml: the configuration file is not a regular file"),
        (lambda root: root / "seeds", "seeds: the configuration file is not a regular file"),
        (_large, "large.toml: the configuration file is larger than 1 MiB"),
    ],
)
def test_config_must_be_a_regular_file_of_at_most_1_mib(project, capsys, make, message) -> None:
    path = make(project)
    assert main(["build", "--config", str(path)]) == EXIT_USAGE
    assert message in _one_error(capsys)
    assert not (project / "feeds").exists()


# ---- 4. values on the command line ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "99999"], "argument --port: expected a port from 0 to 65535, got '99999'"),
        (["serve", "--port", "-1"], "argument --port: expected a port from 0 to 65535, got '-1'"),
        (["serve", "--port", "http"], "argument --port: expected a port from 0 to 65535, got 'http'"),
        (["serve", "--max-age", "-1"], "argument --max-age: expected a number of seconds from 0 to 2147483647"),
        (["serve", "--max-age", "1e9"], "argument --max-age: expected a number of seconds from 0 to 2147483647"),
        (["deploy", "--endpoint-url", "notaurl"], "argument --endpoint-url: 'notaurl' is not an absolute http(s) URL"),
        (["build", "--deploy", "--endpoint-url", "https://[::1/"], "argument --endpoint-url: 'https://[::1/' does not"),
    ],
)
def test_a_flag_value_out_of_range_is_a_usage_error(project, capsys, argv, message) -> None:
    assert message in _usage_error(capsys, argv)
    assert not (project / "feeds").exists()


@pytest.mark.parametrize(
    ("argv", "toml", "message"),
    [
        (["--every", "99999999999999999999h"], "", "--every '99999999999999999999h': at most 366 days (8784h)"),
        (["--every", "8785h"], "", "--every '8785h': at most 366 days"),
        (["--every", "9" * 5000 + "s"], "", "at most 366 days"),
        (["--every", "0" * 5000 + "s"], "", "expected a positive number with a unit s, m or h"),
        ([], '[schedule]\nevery = "31622401s"\n', "[schedule] every '31622401s': at most 366 days"),
    ],
)
def test_an_every_beyond_a_year_is_exit_2_not_an_overflow(project, capsys, argv, toml, message) -> None:
    (project / "seedfeed.toml").write_text(toml)
    assert main(["serve", "-q", *argv]) == EXIT_USAGE
    assert message in _one_error(capsys)


@pytest.fixture
def busy_port() -> object:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_serve_on_a_port_in_use_is_exit_2_naming_it(project, capsys, busy_port) -> None:
    assert main(["build", "-q"]) == EXIT_OK
    assert main(["serve", "--port", str(busy_port)]) == EXIT_USAGE
    line = _one_error(capsys)
    assert f"cannot listen on 127.0.0.1:{busy_port}: the port is in use" in line


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("no.such.host.invalid", "cannot listen on no.such.host.invalid:0: the host name does not resolve"),
        ("300.1.1.1", "cannot listen on 300.1.1.1:0: the host name does not resolve"),
        ("192.0.2.1", "cannot listen on 192.0.2.1:0: Cannot assign requested address"),
    ],
)
def test_serve_on_a_host_it_cannot_listen_on_is_exit_2_naming_it(project, capsys, host, message) -> None:
    assert main(["build", "-q"]) == EXIT_OK
    assert main(["serve", "--host", host, "--port", "0"]) == EXIT_USAGE
    assert message in _one_error(capsys)


@pytest.mark.parametrize(("text", "seconds"), [("8784h", 366 * 86400), ("527040m", 366 * 86400), ("0015m", 900)])
def test_an_every_up_to_a_year_is_accepted(text, seconds) -> None:
    from seedfeed.scheduler import parse_every

    assert parse_every(text).total_seconds() == seconds


@pytest.mark.parametrize("port", [-1, 65536, 99999])
def test_create_server_refuses_a_port_out_of_range_rather_than_wrapping_it(tmp_path, port) -> None:
    from seedfeed.errors import ConfigError
    from seedfeed.serve import FeedApp, create_server

    with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}: a port is 0 to 65535"):
        create_server(FeedApp(tmp_path), "127.0.0.1", port)
