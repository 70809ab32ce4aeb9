"""seedfeed.toml: defaults that work without a file; every mistake is a clear ConfigError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seedfeed.config import load_config
from seedfeed.errors import ConfigError
from seedfeed.feeds.atomrss import source_url
from seedfeed.model import Limits


def test_no_file_gives_working_defaults(tmp_path: Path) -> None:
    config = load_config(None, cwd=tmp_path)
    assert (config.seeds, config.out) == (tmp_path / "seeds", tmp_path / "feeds")
    assert config.site.base_url == "https://example.org/"
    assert config.site.feeds_url == "https://example.org/feeds/"
    assert config.site.id_prefix == "tag:example.org,2026:"
    assert config.site.limit == 50


def test_file_values_and_paths_relative_to_the_file(tmp_path: Path) -> None:
    conf = tmp_path / "site" / "seedfeed.toml"
    conf.parent.mkdir()
    conf.write_text(
        '[site]\ntitle = "Novice"\nbase_url = "https://novice.example.si"\nlanguage = "sl"\nlimit = 10\n'
        'timezone = "Europe/Ljubljana"\n[paths]\nseeds = "in"\nout = "/srv/www/feeds"\nstate = "st/db"\n'
        '[sources]\nSTA = "https://www.sta.si/rss"\n'
    )
    config = load_config(conf)
    assert config.seeds == conf.parent / "in"
    assert config.out == Path("/srv/www/feeds")
    assert config.state == conf.parent / "st" / "db"
    assert config.site.base_url == "https://novice.example.si/"
    assert config.site.id_prefix == "tag:novice.example.si,2026:"
    assert source_url(config.site, "STA") == "https://www.sta.si/rss"
    assert source_url(config.site, "Portal24") == "https://novice.example.si/feeds/sources/portal24.rss.xml"


def test_seedfeed_toml_in_the_current_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "seedfeed.toml").write_text('[site]\ntitle = "Here"\n')
    assert load_config(None, cwd=tmp_path).site.title == "Here"


def test_flags_override_paths(tmp_path: Path) -> None:
    config = load_config(None, seeds=Path("a"), out=Path("b"), cwd=tmp_path)
    assert (config.seeds, config.out) == (Path("a"), Path("b"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[site\n", "not valid TOML"),
        ("[site]\ntitel = 'x'\n", "unknown key site.titel"),
        ("[paths]\nseed = 'x'\n", "unknown key paths.seed"),
        ("[other]\n", "unknown key other"),
        ("[site]\nlimit = 0\n", "site.limit must be at least 1"),
        ("[site]\nlimit = true\n", "site.limit must be an integer"),
        ("[site]\nbase_url = 'example.org'\n", "site.base_url must be an ASCII http(s) URL"),
        ("[site]\ntimezone = 'Mars/Olympus'\n", "not an IANA time zone"),
        ("[sources]\nSTA = 1\n", "every [sources] value must be a URL string"),
        ("[limits]\nrelated = -1\n", "limits.related must be an integer of at least 0"),
        ("[limits]\nparagraphs = 0\n", "limits.paragraphs must be an integer of at least 1"),
        ("[limits]\nentry_bytes = '1M'\n", "limits.entry_bytes must be an integer"),
        ("[limits]\nstories = 3\n", "unknown key limits.stories"),
        ("[site]\nlanguage = 'en_US'\n", "site.language 'en_US' is not a language tag"),
        ("[site]\nrelated_url = 'https://example.org/'\n", "site.related_url must be an ASCII http(s) URL with {slug}"),
        ("[site]\nrelated_url = '/news/{slug}'\n", "site.related_url must be an ASCII http(s) URL with {slug}"),
        ("[site]\nentry_author = 'yes'\n", "site.entry_author must be true or false"),
        ("[deploy]\ngzip = 'yes'\n", "deploy.gzip must be true or false"),
        ("[deploy]\nbucket = 'news'\n", "unknown key deploy.bucket"),
        ("[deploy]\nto = 1\n", "deploy.to must be a string"),
    ],
)
def test_configuration_mistakes_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    conf = tmp_path / "seedfeed.toml"
    conf.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(conf)


def test_missing_named_configuration_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "nope.toml")


def test_serve_and_hub_settings(tmp_path: Path) -> None:
    conf = tmp_path / "seedfeed.toml"
    conf.write_text('[site]\nhub = "https://hub.example/"\n[serve]\nhost = "0.0.0.0"\nport = 9000\nmax_age = 60\n')
    config = load_config(conf)
    assert (config.host, config.port, config.max_age, config.site.hub) == ("0.0.0.0", 9000, 60, "https://hub.example/")
    conf.write_text("[serve]\nport = '80'\n")
    with pytest.raises(ConfigError, match=r"serve\.port must be an integer"):
        load_config(conf)


def test_limits_come_from_the_limits_table(tmp_path: Path) -> None:
    conf = tmp_path / "seedfeed.toml"
    conf.write_text("[limits]\nrelated = 5\nentry_bytes = 4096\n")
    assert load_config(conf).site.limits == Limits(related=5, credits=20, paragraphs=500, entry_bytes=4096)


def test_related_url_and_entry_author(tmp_path: Path) -> None:
    conf = tmp_path / "seedfeed.toml"
    conf.write_text("[site]\nrelated_url = 'https://example.org/news/{slug}'\nentry_author = false\n")
    site = load_config(conf).site
    assert (site.related_url, site.entry_author) == ("https://example.org/news/{slug}", False)
    assert load_config(cwd=tmp_path / "none").site.related_url is None  # nothing is guessed by default


@pytest.mark.parametrize(
    "id_prefix",
    [
        "tag:example.org,2026:",
        "tag:novice.example.si,2026-02:news/",
        "tag:desk@novice.example.si,2000-02-29:",
        "https://novice.example.si/ids/",
        "http://example.org/",
    ],
)
def test_a_valid_tag_or_http_id_prefix_is_kept_as_written(tmp_path: Path, id_prefix: str) -> None:
    conf = tmp_path / "seedfeed.toml"
    conf.write_text(f'[site]\nid_prefix = "{id_prefix}"\n')
    assert load_config(conf).site.id_prefix == id_prefix


def test_settings_at_their_bounds_are_accepted(tmp_path: Path) -> None:
    conf = tmp_path / "seedfeed.toml"
    conf.write_text(
        '[site]\nlimit = 1000000\npage_size = 1\ntopic_min = 1000000\nhub = "HTTPS://hub.example/"\n'
        'title = "Novice\\t(1)"\n[serve]\nport = 65535\nmax_age = 0\n[limits]\nrelated = 0\nentry_bytes = 67108864\n'
        '[sources]\nSTA = "https://www.sta.si/rss?x=1 2"\n'
        '[deploy]\nendpoint_url = "http://127.0.0.1:9000"\nregion = "auto"\n'
    )
    config = load_config(conf)
    assert (config.site.limit, config.site.page_size, config.site.topic_min) == (1_000_000, 1, 1_000_000)
    assert (config.port, config.max_age, config.site.limits.related) == (65535, 0, 0)
    assert config.site.hub == "https://hub.example/"  # as a seed's URL is written: the scheme lower-case
    assert config.site.sources == (("STA", "https://www.sta.si/rss?x=1%202"),)
    assert config.deploy == {"endpoint_url": "http://127.0.0.1:9000", "region": "auto"}
    conf.write_text("[serve]\nport = 0\n")
    assert load_config(conf).port == 0  # any free port
