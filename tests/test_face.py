"""The feed's own face: ``site.icon`` and ``site.logo`` in Atom, RSS, JSON Feed and every HTML page."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html
from PIL import Image as Pillow

from seedfeed.build import build
from seedfeed.config import load_config
from seedfeed.errors import ConfigError
from seedfeed.feeds.face import fits_rss
from seedfeed.feeds.names import is_asset, publish_order
from seedfeed.model import Image

from .conftest import NOW
from .test_titles import _w3c_strict, node_readers  # noqa: F401 -- the fixture, shared

FEEDS = "https://example.org/feeds/"


def _picture(path: Path, size: tuple[int, int], colour: tuple[int, int, int] = (200, 30, 30)) -> None:
    Pillow.new("RGB", size, colour).save(path)


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    """A site with two articles (one archived) and a configuration naming a local icon and logo."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "2024-05-01-a.txt").write_text("---\ntags: promet\n---\nPrvi\nBesedilo.\n", encoding="utf-8")
    (seeds / "2024-05-02-b.txt").write_text("Drugi\nBesedilo.\n", encoding="utf-8")
    (tmp_path / "brand").mkdir()
    _picture(tmp_path / "brand" / "icon.png", (64, 64))
    _picture(tmp_path / "brand" / "logo.png", (600, 120), (30, 30, 200))
    _config(tmp_path, icon="brand/icon.png", logo="brand/logo.png")
    return tmp_path


def _config(root: Path, **face: str) -> None:
    lines = "".join(f'{key} = "{value}"\n' for key, value in face.items())
    (root / "seedfeed.toml").write_text(f'[site]\ntitle = "Novice"\nlimit = 1\npage_size = 1\n{lines}')


def _assets(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in (out / "images").iterdir())


def test_a_local_icon_and_logo_are_published_and_named_in_every_format(site_root: Path) -> None:
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    icon, logo = config.site.icon, config.site.logo
    assert icon is not None and logo is not None
    assert (icon.width, icon.height, icon.media_type) == (64, 64, "image/png")
    assert _assets(config.out) == sorted([icon.file, logo.file])
    assert (config.out / icon.file).read_bytes() == (site_root / "brand" / "icon.png").read_bytes()
    atom = feedparser.parse((config.out / "atom.xml").read_bytes())
    assert not atom.bozo and atom.feed.icon == icon.url and atom.feed.logo == logo.url
    channel = etree.fromstring((config.out / "rss.xml").read_bytes()).find("channel")
    image = channel.find("image")  # the icon: the logo (600 wide) does not fit RSS's 144 × 400
    assert [(e.tag, e.text) for e in image] == [
        ("url", icon.url),
        ("title", channel.findtext("title")),
        ("link", channel.findtext("link")),
        ("width", "64"),
        ("height", "64"),
    ]
    feed = json.loads((config.out / "feed.json").read_bytes())
    assert feed["icon"] == feed["favicon"] == icon.url
    for topic in ("tags/promet.atom.xml", "archive/1.atom.xml"):
        assert feedparser.parse((config.out / topic).read_bytes()).feed.icon == icon.url, topic


def test_every_html_page_links_the_icon(site_root: Path) -> None:
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    icon = config.site.icon
    assert icon is not None
    pages = sorted(p for p in config.out.rglob("*.html"))
    assert {"index.html", "atom.html", "archive/1.html", "articles/2024-05-01-a.html"} <= {
        str(p.relative_to(config.out)) for p in pages
    }
    for page in pages:
        link = html.document_fromstring(page.read_bytes()).find(".//head/link[@rel='icon']")
        assert link is not None, page
        assert (link.get("href"), link.get("type"), link.get("sizes")) == (icon.url, "image/png", "64x64"), page


def test_the_rss_image_is_the_logo_when_only_the_logo_fits(site_root: Path) -> None:
    _picture(site_root / "brand" / "icon.png", (512, 512))
    _picture(site_root / "brand" / "logo.png", (144, 40), (30, 30, 200))
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    image = etree.fromstring((config.out / "rss.xml").read_bytes()).find("channel/image")
    assert config.site.logo is not None
    assert (image.findtext("url"), image.findtext("width"), image.findtext("height")) == (
        config.site.logo.url,
        "144",
        "40",
    )


def test_no_rss_image_when_neither_fits(site_root: Path) -> None:
    _picture(site_root / "brand" / "icon.png", (512, 512))
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    assert etree.fromstring((config.out / "rss.xml").read_bytes()).find("channel/image") is None
    assert feedparser.parse((config.out / "atom.xml").read_bytes()).feed.icon == config.site.icon.url


@pytest.mark.parametrize(
    ("picture", "fits"),
    [(Image("u", width=144, height=400), True), (Image("u", width=145, height=10), False), (Image("u"), True)],
)
def test_rss_allows_at_most_144_by_400_and_takes_an_unmeasured_url_as_it_is(picture: Image, fits: bool) -> None:
    assert fits_rss(picture) is fits


def test_an_icon_url_is_written_as_it_is_without_a_size_nobody_measured(site_root: Path) -> None:
    _config(site_root, icon="https://cdn.example.si/icon.png")
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    assert not (config.out / "images").exists()
    assert feedparser.parse((config.out / "atom.xml").read_bytes()).feed.icon == "https://cdn.example.si/icon.png"
    image = etree.fromstring((config.out / "rss.xml").read_bytes()).find("channel/image")
    assert image.findtext("url") == "https://cdn.example.si/icon.png" and image.find("width") is None
    link = html.document_fromstring((config.out / "index.html").read_bytes()).find(".//link[@rel='icon']")
    assert (link.get("type"), link.get("sizes")) == ("image/png", None)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("brand/missing.png", "no such file"),
        ("brand/not-an-image.png", "is not an image"),
        ("ftp://cdn.example.si/icon.png", "http"),
    ],
)
def test_a_bad_icon_is_one_configuration_error_naming_it(site_root: Path, value: str, reason: str) -> None:
    (site_root / "brand" / "not-an-image.png").write_text("<svg/>")
    _config(site_root, icon=value)
    with pytest.raises(ConfigError, match=r"site\.icon") as caught:
        load_config(site_root / "seedfeed.toml")
    assert reason in str(caught.value) and caught.value.exit_code == 2


def test_a_changed_icon_gets_a_new_name_and_the_old_one_goes(site_root: Path) -> None:
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    assert build(config, now=NOW + timedelta(hours=1)).written == ()  # nothing changed: nothing written
    old = config.site.icon
    _picture(site_root / "brand" / "icon.png", (64, 64), (10, 200, 10))
    config = load_config(site_root / "seedfeed.toml")
    assert config.site.icon is not None and old is not None and config.site.icon.file != old.file
    report = build(config, now=NOW + timedelta(hours=2))
    assert config.site.icon.file in report.written and old.file in report.deleted
    assert "atom.xml" in report.written and "index.html" in report.written  # every document names the icon
    assert feedparser.parse((config.out / "atom.xml").read_bytes()).feed.icon == config.site.icon.url


def test_a_lost_icon_is_published_again(site_root: Path) -> None:
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    assert config.site.icon is not None
    (config.out / config.site.icon.file).unlink()
    assert config.site.icon.file in build(config, now=NOW + timedelta(hours=1)).written
    assert (config.out / config.site.icon.file).is_file()


def test_the_icon_is_published_before_the_documents_that_name_it() -> None:
    names = ["index.html", "atom.xml", "articles/a.html", "images/0123456789abcdef.png"]
    assert is_asset(names[-1]) and sorted(names, key=publish_order)[0] == names[-1]


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_the_w3c_validator_in_strict_mode_finds_nothing(site_root: Path, name: str) -> None:
    validate = _w3c_strict()
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    assert validate((config.out / name).read_bytes(), f"{FEEDS}{name}") == []


NODE_FACE = """\
const { readFileSync } = require("node:fs");
const { parseFeed } = require("feedsmith");
const Parser = require("rss-parser");
(async () => {
  const [atom, rss] = process.argv.slice(2).map((f) => readFileSync(f, "utf8"));
  const parsedAtom = parseFeed(atom).feed;
  const parsedRss = parseFeed(rss).feed;
  const viaRssParser = await new Parser().parseString(rss);
  console.log(JSON.stringify({
    "feedsmith atom": [parsedAtom.icon ?? null, parsedAtom.logo ?? null],
    "feedsmith rss": [parsedRss.image?.url ?? null],
    "rss-parser rss": [viaRssParser.image?.url ?? null],
  }));
})();
"""


def test_feedsmith_and_rss_parser_find_the_icon(site_root: Path, node_readers) -> None:  # noqa: F811
    config = load_config(site_root / "seedfeed.toml")
    build(config, now=NOW)
    node_readers([config.out / "rss.xml"])  # installs them (or skips)
    script = node_readers.prefix / "face.js"
    script.write_text(NODE_FACE)
    files = [str(config.out / "atom.xml"), str(config.out / "rss.xml")]
    done = subprocess.run(["node", str(script), *files], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert config.site.icon is not None and config.site.logo is not None
    assert json.loads(done.stdout) == {
        "feedsmith atom": [config.site.icon.url, config.site.logo.url],
        "feedsmith rss": [config.site.icon.url],
        "rss-parser rss": [config.site.icon.url],
    }
