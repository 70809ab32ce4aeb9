"""A seed's lead image: a local file published with the feeds under its bytes' hash, or an image URL,
in every format, with its size, type, alternative text and credit; a bad image costs only its seed.

The corpus (``tests/images/seeds``): a local PNG with alt text and the seed's photo credit, an image
URL with ``image_credit:``, a seed without an image, and one seed for each way an image is refused.
Its feeds are goldens in ``tests/golden_images`` (``pytest --update-golden``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from seedfeed.build import build
from seedfeed.config import Config
from seedfeed.deploy import Settings, Target, deploy
from seedfeed.model import Limits, Site
from seedfeed.serve import FeedApp, close_server, create_server

from .conftest import NOW, TESTS
from .test_browser import browser, chromium  # noqa: F401 -- the fixture, shared
from .test_deploy import CREDENTIALS, S3Server
from .test_titles import _w3c_strict, newsboat_titles, node_readers  # noqa: F401 -- the fixture, shared

CORPUS = TESTS / "images" / "seeds"
GOLDEN = TESTS / "golden_images"
MOST = hashlib.sha256((CORPUS / "slike" / "most.png").read_bytes()).hexdigest()
ASSET = f"images/{MOST[:16]}.png"
IMAGE_URL = f"https://example.org/feeds/{ASSET}"
REMOTE = "https://cdn.example.org/slike/tramvaj.jpg"
LIMIT = 2000
GOLDEN_FILES = ("atom.xml", "rss.xml", "feed.json", "atom.html", "articles/2024-05-01-nov-most.html")
REJECTED = {
    "2024-05-04-ni-datoteke.txt": "no such file in the seeds directory",
    "2024-05-05-ni-slika.txt": "is not an image",
    "2024-05-06-prevelika.txt": f"is too large: 3000 bytes (the limit is {LIMIT}: limits.image_bytes)",
    "2024-05-07-zunaj.txt": "neither an http(s) URL nor a path inside the seeds directory",
    "2024-05-08-povezava.txt": "leads outside the seeds directory",
}


def _corpus(root: Path) -> Config:
    seeds = root / "seeds"
    shutil.copytree(CORPUS, seeds)
    (seeds / "slike" / "velika.png").write_bytes((CORPUS / "slike" / "most.png").read_bytes().ljust(3000, b"\0"))
    (root / "zunaj.png").write_bytes((CORPUS / "slike" / "most.png").read_bytes())
    (seeds / "slike" / "povezava.png").symlink_to(root / "zunaj.png")
    site = Site(limits=Limits(image_bytes=LIMIT))
    return Config(site=site, seeds=seeds, out=root / "feeds", state=root / ".seedfeed" / "state.sqlite3")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, object]:
    config = _corpus(tmp_path_factory.mktemp("images"))
    return config, build(config, now=NOW)


def test_the_feeds_equal_their_golden_files(published, update_golden) -> None:
    config, _ = published
    for name in GOLDEN_FILES:
        data = (config.out / name).read_bytes()
        if update_golden:
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
        assert data == (GOLDEN / name).read_bytes(), f"{name} differs from tests/golden_images/{name}"


def test_each_bad_image_rejects_its_seed_with_the_image_line_and_only_it(published) -> None:
    _, report = published
    found = {Path(error.path).name: error for error in report.rejected}
    assert set(found) == set(REJECTED)
    for name, reason in REJECTED.items():
        assert reason in found[name].reason, found[name]
        assert found[name].line == 2, found[name]
    assert report.articles == 3


def test_a_local_image_is_published_under_its_hash_with_its_bytes(published) -> None:
    config, _ = published
    assert (config.out / ASSET).read_bytes() == (CORPUS / "slike" / "most.png").read_bytes()
    assert sorted(p.name for p in (config.out / "images").iterdir()) == [f"{MOST[:16]}.png"]


def test_feedparser_reads_the_image_its_size_credit_and_enclosure(published) -> None:
    config, _ = published
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse((config.out / name).read_bytes())
        assert not parsed.bozo
        entries = {e.title: e for e in parsed.entries}
        most = entries["Novi most čez Savo odprt"]
        content = most.media_content[0]
        assert (content["url"], content["type"], content["width"], content["height"]) == (
            IMAGE_URL,
            "image/png",
            "160",
            "80",
        )
        assert most.media_thumbnail[0]["url"] == IMAGE_URL
        assert most.summary.startswith("Most so odprli")  # media:description did not replace it
        assert {c["content"] for c in most.media_credit} == {"Ana Kovač (STA)"}
        tram = entries["Tramvaj se vrača v Ljubljano"]
        assert tram.media_content[0]["url"] == REMOTE and tram.media_content[0]["type"] == "image/jpeg"
        assert "width" not in tram.media_content[0]
        assert "media_content" not in entries["Seja vlade brez presenečenj"]
        if name == "rss.xml":
            (enclosure,) = most.enclosures
            assert (enclosure.href, enclosure.type, enclosure.length) == (IMAGE_URL, "image/png", "280")
            assert tram.enclosures == []  # nobody measured its length: no enclosure claims one


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_the_w3c_validator_in_strict_mode_finds_nothing(published, name) -> None:
    config, _ = published
    validate = _w3c_strict()
    assert validate((config.out / name).read_bytes(), f"https://example.org/feeds/{name}") == []


def test_newsboat_reads_every_entry_and_the_alt_text_never_replaces_the_lead(published, tmp_path) -> None:
    config, _ = published
    titles = newsboat_titles(config.out / "rss.xml", tmp_path / "home")  # skips without newsboat
    assert len(titles) == 3
    import sqlite3

    with sqlite3.connect(tmp_path / "home" / "cache.db") as db:
        found = {t: (d, e) for t, d, e in db.execute("SELECT title, content, enclosure_url FROM rss_item")}
    description, enclosure = found["Novi most čez Savo odprt"]
    assert "Most so odprli" in description and "Rdeč most" not in description
    # newsboat stores a podcast's enclosure (audio, video) and leaves an image's out (2.21), or keeps it.
    assert enclosure in ("", IMAGE_URL)


NODE_MEDIA = """\
const { readFileSync } = require("node:fs");
const { parseFeed } = require("feedsmith");
const Parser = require("rss-parser");
(async () => {
  const text = readFileSync(process.argv[2], "utf8");
  const { feed } = parseFeed(text);
  const parsed = await new Parser({ customFields: { item: [["media:content", "media", { keepArray: true }]] } })
    .parseString(text);
  console.log(JSON.stringify({
    feedsmith: feed.items.map((i) => [i.title, i.enclosures?.[0]?.url ?? null, i.media?.contents?.[0]?.url ?? null]),
    "rss-parser": parsed.items.map((i) => [i.title, i.enclosure?.url ?? null, i.media?.[0]?.$?.url ?? null]),
  }));
})();
"""


def test_feedsmith_and_rss_parser_read_the_enclosure_and_the_media_content(published, node_readers) -> None:  # noqa: F811
    config, _ = published
    node_readers([config.out / "rss.xml"])  # installs them (or skips)
    import subprocess

    script = node_readers.prefix / "media.js"
    script.write_text(NODE_MEDIA)
    done = subprocess.run(
        ["node", str(script), str(config.out / "rss.xml")], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    for reader, items in found.items():
        rows = {title: (enclosure, media) for title, enclosure, media in items}
        assert rows["Novi most čez Savo odprt"] == (IMAGE_URL, IMAGE_URL), reader
        assert rows["Tramvaj se vrača v Ljubljano"] == (None, REMOTE), reader


def test_the_json_feed_has_the_image_and_a_banner_when_wide(published) -> None:
    config, _ = published
    items = {i["title"]: i for i in json.loads((config.out / "feed.json").read_bytes())["items"]}
    most = items["Novi most čez Savo odprt"]
    assert most["image"] == most["banner_image"] == IMAGE_URL  # 160 × 80: twice as wide as high
    assert most["_seedfeed"]["image"] == {"alt": "Rdeč most z belimi stebri nad reko", "credit": "Ana Kovač (STA)"}
    tram = items["Tramvaj se vrača v Ljubljano"]
    assert tram["image"] == REMOTE and "banner_image" not in tram
    assert tram["_seedfeed"]["image"]["credit"] == "Mestna občina Ljubljana"
    assert "image" not in items["Seja vlade brez presenečenj"]


@pytest.mark.parametrize("name", ["atom.html", "rss.html", "feed.html", "articles/2024-05-01-nov-most.html"])
def test_the_html_shows_a_figure_with_alt_size_and_credit(published, name) -> None:
    config, _ = published
    page = html.document_fromstring((config.out / name).read_bytes())
    (figure,) = [f for f in page.iter("figure") if f.find("img").get("src") == IMAGE_URL]
    img = figure.find("img")
    assert (img.get("alt"), img.get("width"), img.get("height")) == ("Rdeč most z belimi stebri nad reko", "160", "80")
    assert figure.findtext("figcaption") == "Ana Kovač (STA)"


def test_the_article_page_has_the_open_graph_image_and_json_ld(published) -> None:
    config, _ = published
    page = html.document_fromstring((config.out / "articles/2024-05-01-nov-most.html").read_bytes())
    og = {m.get("property"): m.get("content") for m in page.iter("meta") if m.get("property")}
    assert og["og:image"] == IMAGE_URL
    assert (og["og:image:width"], og["og:image:height"], og["og:image:type"]) == ("160", "80", "image/png")
    assert og["og:image:alt"] == "Rdeč most z belimi stebri nad reko"
    data = json.loads(page.find(".//script").text)
    assert data["image"] == [IMAGE_URL]


def test_a_changed_image_changes_its_name_and_the_entries_showing_it_and_nothing_else(tmp_path) -> None:
    config = _corpus(tmp_path)
    build(config, now=NOW)
    assert build(config, now=NOW).written == ()  # nothing changed: nothing written
    image = config.seeds / "slike" / "most.png"
    from PIL import Image

    with Image.open(image) as picture:
        picture.resize((240, 80)).save(image)
    report = build(config, now=NOW)
    new = f"images/{hashlib.sha256(image.read_bytes()).hexdigest()[:16]}.png"
    assert (report.new, report.changed, report.read) == (0, 1, 1 + len(REJECTED))  # the rejected: every build
    assert new in report.written and ASSET in report.deleted
    assert not (config.out / ASSET).exists() and (config.out / new).is_file()
    shown = {"atom.xml", "rss.xml", "feed.json", "atom.html", "rss.html", "feed.html"}
    assert set(report.written) == {new, "articles/2024-05-01-nov-most.html", *shown}
    assert f'url="https://example.org/feeds/{new}"' in (config.out / "atom.xml").read_text()
    assert build(config, now=NOW).written == ()


def test_a_lost_image_is_published_again(tmp_path) -> None:
    config = _corpus(tmp_path)
    build(config, now=NOW)
    (config.out / ASSET).unlink()
    assert build(config, now=NOW).written == (ASSET,)


def test_a_parse_of_a_seed_with_its_image_says_what_was_measured(tmp_path) -> None:
    from seedfeed.ingest.load import load_seed

    config = _corpus(tmp_path)
    article = load_seed(config.seeds / "2024-05-01-nov-most.txt", config.site).article
    assert article is not None and article.image is not None
    image = article.image
    assert (image.media_type, image.width, image.height, image.length) == ("image/png", 160, 80, 280)
    assert (image.file, image.source, image.url) == (ASSET, "slike/most.png", IMAGE_URL)


@pytest.fixture
def served(tmp_path) -> Iterator[str]:
    """The corpus served from 127.0.0.1, built with that address as its ``feeds_url``: the image URLs lead there."""
    config = _corpus(tmp_path)
    server = create_server(FeedApp(config.out, mount="/feeds/"), "127.0.0.1", 0, threads=4)
    base = f"http://127.0.0.1:{server.effective_port}/feeds/"
    build(replace(config, site=replace(config.site, feeds_url=base)), now=NOW)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield base
    close_server(server, from_thread=True)
    thread.join(timeout=5)


def test_serve_answers_the_image_with_its_type(served) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{served}{ASSET}", timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/png"
        assert response.read() == (CORPUS / "slike" / "most.png").read_bytes()


def test_chromium_shows_the_image(browser, served, tmp_path) -> None:  # noqa: F811
    dom = chromium(browser, tmp_path, "--dump-dom", f"{served}atom.xml")
    (img,) = [i for i in html.document_fromstring(dom).iter("img") if i.get("src") == f"{served}{ASSET}"]
    assert (img.get("width"), img.get("height")) == ("160", "80")
    shots = []
    for name, flags in (("with.png", []), ("without.png", ["--blink-settings=imagesEnabled=false"])):
        shot = tmp_path / name
        chromium(browser, tmp_path, *flags, "--window-size=800,600", f"--screenshot={shot}", f"{served}atom.xml")
        shots.append(shot.read_bytes())
    assert shots[0] != shots[1]  # the page with the image drawn differs from the same page without it


def test_deploy_sends_the_image_first_and_for_good(tmp_path, monkeypatch) -> None:
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    config = _corpus(tmp_path)
    build(config, now=NOW)
    s3 = S3Server(tmp_path)
    try:
        s3.create_bucket("news")
        report = deploy(config, Settings(to=Target("news", "feeds/"), endpoint_url=s3.url, gzip=True))
        assert report.uploaded[0] == ASSET
        assert report.uploaded.index(ASSET) < report.uploaded.index("atom.xml")
        status, headers, body = s3.get("news", f"feeds/{ASSET}")
        assert (status, body) == (200, (config.out / ASSET).read_bytes())
        assert headers["content-type"] == "image/png" and "content-encoding" not in headers
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
    finally:
        s3.stop()


def test_the_remote_image_has_no_length_and_no_size(published) -> None:
    config, _ = published
    rss = etree.fromstring((config.out / "rss.xml").read_bytes())
    media = "{http://search.yahoo.com/mrss/}content"
    remote = [m for m in rss.iter(media) if m.get("url") == REMOTE]
    assert remote and all(m.get("fileSize") is None and m.get("width") is None for m in remote)


def test_image_alt_without_an_image_rejects_the_seed(tmp_path) -> None:
    config = _corpus(tmp_path)
    (config.seeds / "2024-05-09-alt.txt").write_text("---\nimage_alt: Nič\n---\nT\nBesedilo.\n")
    report = build(replace(config), now=NOW)
    (error,) = [e for e in report.rejected if Path(e.path).name == "2024-05-09-alt.txt"]
    assert "'image_alt' but no 'image'" in error.reason and error.line == 2
