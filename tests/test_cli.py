"""The command line: what a publisher types, what it prints, and the exit codes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seedfeed.cli import EXIT_BUSY, EXIT_OK, EXIT_PUBLISH, EXIT_REJECTED, EXIT_USAGE, main

from .conftest import SEEDS, SHIPPED_SEED


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A publisher's directory with the shipped seed and no configuration, as the cwd."""
    (tmp_path / "seeds").mkdir()
    shutil.copy(SHIPPED_SEED, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_build_with_no_configuration_publishes_both_feeds(project, capsys) -> None:
    assert main(["build"]) == EXIT_OK
    assert sorted(p.name for p in (project / "feeds").iterdir()) == [
        "articles",
        "atom.html",
        "atom.xml",
        "feed.html",
        "feed.json",
        "feeds.opml",
        "index.html",
        "rss.html",
        "rss.xml",
        "sources",
    ]
    out = capsys.readouterr()
    assert (
        "seedfeed: 1 article published, 1 in the subscription feeds and 0 only in archive pages (1 seed," in out.out
        and "wrote atom.html, atom.xml, feed.html, feed.json, feeds.opml, index.html, rss.html, rss.xml" in out.out
    )
    assert out.err == ""


@pytest.mark.parametrize("argv", [["build", "--quiet"], ["-q", "build"], ["build", "-q"]])
def test_quiet_build_prints_nothing_on_success(project, capsys, argv) -> None:
    assert main(argv) == EXIT_OK
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("argv", [["-v", "build"], ["build", "--verbose"]])
def test_verbose_build_logs_each_step(project, capsys, argv) -> None:
    assert main(argv) == EXIT_OK
    assert "seedfeed: debug: 1 seeds in seeds, 1 to read, 0 gone" in capsys.readouterr().err


def test_each_bad_seed_is_one_line_on_stderr_and_exit_1(project, capsys) -> None:
    for name in ("bad-empty.txt", "bad-title-only.txt", "bad-binary.txt"):
        shutil.copy(SEEDS / name, project / "seeds")
    assert main(["build"]) == EXIT_REJECTED
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3
    assert any(line.endswith("bad-title-only.txt:1: title but no body") for line in err)
    assert all(line.startswith("seedfeed: error: seeds/bad-") for line in err)
    assert (project / "feeds" / "atom.xml").exists()


def test_legacy_encoding_is_a_warning_naming_the_file(project, capsys) -> None:
    shutil.copy(SEEDS / "2024-06-02-solsko-leto-windows-1250.txt", project / "seeds")
    assert main(["build"]) == EXIT_OK
    assert "2024-06-02-solsko-leto-windows-1250.txt: not UTF-8; decoded as cp1250" in capsys.readouterr().err


def test_missing_seeds_directory_is_exit_2_with_a_clear_message(project, capsys) -> None:
    assert main(["build", "--seeds", "nowhere"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "nowhere: seeds directory does not exist" in err and "Traceback" not in err


def test_bad_configuration_is_exit_2(project, capsys) -> None:
    (project / "seedfeed.toml").write_text("[site]\nlimit = 'many'\n")
    assert main(["build"]) == EXIT_USAGE
    assert "site.limit must be an integer" in capsys.readouterr().err


def test_unwritable_output_is_exit_3(project, capsys) -> None:
    (project / "feeds").write_text("a file where the directory should be")
    assert main(["build"]) == EXIT_PUBLISH
    assert "previous feeds were left in place" in capsys.readouterr().err


def test_flags_override_the_configuration_file(project) -> None:
    (project / "seedfeed.toml").write_text('[paths]\nout = "public"\n[site]\ntitle = "Novice"\n')
    assert main(["build", "--out", "elsewhere"]) == EXIT_OK
    assert (project / "elsewhere" / "atom.xml").exists() and not (project / "public").exists()
    assert b"<title>Novice</title>" in (project / "elsewhere" / "atom.xml").read_bytes()


def test_parse_json_prints_the_article_with_the_documented_keys(project, capsys) -> None:
    assert main(["parse", str(project / "seeds" / SHIPPED_SEED.name), "--json"]) == EXIT_OK
    article = json.loads(capsys.readouterr().out)
    assert {
        "id",
        "slug",
        "title",
        "language",
        "paragraphs",
        "credits",
        "related",
        "published",
        "updated",
        "link",
    } <= set(article)
    assert article["credits"][1] == {"role": "photo", "name": "Jackson Hink", "via": "X"}
    assert article["related"][0]["teaser"][1].endswith("zadevah…")


def test_parse_of_a_bad_seed_is_exit_1(project, capsys) -> None:
    assert main(["parse", str(SEEDS / "bad-empty.txt")]) == EXIT_REJECTED
    assert "bad-empty.txt: empty" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["build"], ["parse"], ["schedule"], ["serve"]])
def test_every_command_has_help_that_explains(command, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out and len(out.splitlines()) > 8


def test_build_waits_for_a_running_build_then_exits_4(project, capsys) -> None:
    from seedfeed.store.lock import build_lock

    with build_lock(project / "feeds", wait=0):
        assert main(["build", "--wait", "0.2"]) == EXIT_BUSY
    assert "another seedfeed build is running (waited 0.2 s); nothing was done" in capsys.readouterr().err
    assert main(["build", "-q"]) == EXIT_OK


def test_no_command_prints_help_and_exits_2(capsys) -> None:
    assert main([]) == EXIT_USAGE
    assert "usage: seedfeed" in capsys.readouterr().err


def test_python_dash_m_seedfeed_runs_the_same_cli(project) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seedfeed", "build", "-q"], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (project / "feeds" / "rss.xml").exists()


def test_console_script_is_installed() -> None:
    script = shutil.which("seedfeed", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("seedfeed ")


@pytest.mark.parametrize("argv", [["-q", "build", "-v"], ["build", "-q", "-v"]])
def test_quiet_and_verbose_together_are_a_usage_error(argv, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == EXIT_USAGE
    assert "choose one of -q/--quiet and -v/--verbose" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "soon", "nan"])
def test_negative_or_non_numeric_wait_is_a_usage_error(value, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["build", "--wait", value])
    assert caught.value.code == EXIT_USAGE
    assert "expected a number of seconds >= 0" in capsys.readouterr().err


def test_state_database_is_private(project) -> None:
    assert main(["build", "-q"]) == EXIT_OK
    state = project / ".seedfeed"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    assert oct((state / "seeds.sqlite3").stat().st_mode & 0o777) == "0o600"


def _codes(row) -> str:
    return ", ".join(str(code) for code in row.codes)


def test_the_one_exit_code_table_is_the_readme_s(capsys) -> None:
    from seedfeed.errors import EXIT_CODES

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| ([0-9][0-9, ]*) \|", table, re.MULTILINE) == [_codes(row) for row in EXIT_CODES]
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    for row in EXIT_CODES:
        assert help_text.count(f"\n  {_codes(row)}  ") == 1, f"exit code {_codes(row)} is not in --help once"


@pytest.mark.parametrize("command", ["build", "schedule", "serve", "deploy", "parse"])
def test_each_command_s_help_lists_the_exit_codes_it_can_return(capsys, command) -> None:
    from seedfeed.errors import EXIT_CODES

    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = capsys.readouterr().out
    for row in EXIT_CODES:
        assert (f"\n  {_codes(row)}  " in help_text) == (command in row.commands), (command, row.codes)


def test_every_error_carries_an_exit_code_from_the_table() -> None:
    from seedfeed import errors

    listed = {code for row in errors.EXIT_CODES for code in row.codes}
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.SeedfeedError)]
    assert len(classes) == 7
    assert all(c.exit_code in listed for c in classes)


def test_parse_into_a_closed_pipe_ends_quietly(tmp_path) -> None:
    import subprocess
    import sys

    seed = tmp_path / "dolg.txt"  # its JSON is far larger than a pipe's buffer: the write meets the closed end
    seed.write_text("Dolg članek\n" + ("Odstavek z veliko besedami, ki nekaj pomenijo. " * 10 + "\n") * 400)
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    parse = subprocess.run(
        [sys.executable, "-m", "seedfeed", "parse", str(seed), "--json"],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert reader.stdin is not None
    reader.stdin.close()
    reader.wait(timeout=10)
    assert "Traceback" not in parse.stderr
    assert parse.returncode == 0


@pytest.mark.parametrize(
    ("toml", "flags", "message"),
    [
        ('[schedule]\nevery = "5x"\n', [], "[schedule] every '5x': expected a positive number"),
        ("", ["--every", "5x"], "--every '5x': expected a positive number"),
        ('[schedule]\nat = "25:00"\n', [], "[schedule] at '25:00': expected a time of day HH:MM"),
    ],
)
def test_a_bad_schedule_names_where_it_came_from(tmp_path, monkeypatch, capsys, toml, flags, message) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    shutil.copy(SHIPPED_SEED, tmp_path / "seeds")
    (tmp_path / "seedfeed.toml").write_text(toml)
    assert main(["schedule", *flags]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_the_summary_line_says_where_the_articles_are(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    for n in range(8):
        (tmp_path / "seeds" / f"2024-01-0{n + 1}-c{n}.txt").write_text(f"Članek {n}\nBesedilo {n}.\n")
    (tmp_path / "seedfeed.toml").write_text("[site]\nlimit = 3\npage_size = 2\n")
    assert main(["build"]) == EXIT_OK
    line = capsys.readouterr().out
    assert line.startswith(
        "seedfeed: 8 articles published, 3 in the subscription feeds and 5 only in archive pages (8 seeds, 0 rejected,"
    )
