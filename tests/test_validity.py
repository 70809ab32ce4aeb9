"""The published documents are valid: RELAX NG, RFC 4287 prose rules, and what the W3C validator checks.

The W3C Feed Validation Service cannot be reached from the test machine, so
the rules of it that bite feeds like ours are checked here one by one (see
../shared/FEED-NOTES.md and the README's validation notes).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from seedfeed.feeds.verify import VerifyError, atom_schema, verify_feed

from .conftest import GOLDEN, SEEDS

A = "{http://www.w3.org/2005/Atom}"
ATOM = GOLDEN / "atom.xml"
RSS = GOLDEN / "rss.xml"
KNOWN_NAMESPACES = {
    "http://www.w3.org/2005/Atom",
    "http://purl.org/rss/1.0/modules/content/",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
    "http://search.yahoo.com/mrss/",
    "http://www.w3.org/XML/1998/namespace",
    "http://purl.org/syndication/history/1.0",
}
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}$"
)


def tree(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def test_golden_atom_validates_against_the_relax_ng_schema() -> None:
    schema = atom_schema()
    assert schema.validate(tree(ATOM)), schema.error_log


def test_schema_ships_inside_the_package() -> None:
    import seedfeed

    assert (Path(seedfeed.__file__).parent / "feeds" / "schemas" / "atom.rng").is_file()


@pytest.mark.parametrize(("path", "kind"), [(ATOM, "atom"), (RSS, "rss")])
def test_golden_feeds_pass_our_own_verification(path: Path, kind: str) -> None:
    verify_feed(path.read_bytes(), kind)


# --- RFC 4287 rules the schema does not check ----------------------------------------


def test_every_atom_date_has_a_time_zone() -> None:
    dates = [n.text for n in tree(ATOM).iter(f"{A}updated", f"{A}published")]
    assert dates and all(re.search(r"(Z|[+-]\d\d:\d\d)$", d) for d in dates)


def test_every_atom_entry_names_its_credited_authors_or_else_the_feeds_author() -> None:
    """RFC 4287 lets an entry inherit the feed's author, but readers such as feedparser do not: with
    ``site.entry_author`` on (the default, as in the golden feed) an entry without an author credit
    carries the feed's author itself. The expected names come from the parsed seeds (``tests/seeds/*.json``)."""
    root = tree(ATOM)
    feed_author = root.findtext(f"{A}author/{A}name")
    assert feed_author
    expected = {}
    for parsed in SEEDS.glob("*.json"):
        article = json.loads(parsed.read_text(encoding="utf-8"))
        if "id" in article:  # not a rejected seed
            credited = [c["name"] for c in article["credits"] if c["role"] == "author"]
            expected[article["id"]] = credited or [feed_author]
    found = {
        entry.findtext(f"{A}id"): [author.findtext(f"{A}name") for author in entry.findall(f"{A}author")]
        for entry in root.iter(f"{A}entry")
    }
    assert found == expected
    assert [feed_author] in found.values() and any(names != [feed_author] for names in found.values())


def test_every_atom_entry_has_content_and_an_alternate_link() -> None:
    for entry in tree(ATOM).iter(f"{A}entry"):
        assert entry.find(f"{A}content").get("type") == "html"
        alternates = [link for link in entry.findall(f"{A}link") if link.get("rel") == "alternate"]
        assert len(alternates) == 1 and alternates[0].get("type") == "text/html"


def test_entry_ids_and_updated_values_are_unique() -> None:
    entries = list(tree(ATOM).iter(f"{A}entry"))
    assert len({e.findtext(f"{A}id") for e in entries}) == len(entries)
    assert len({e.findtext(f"{A}updated") for e in entries}) == len(entries), "W3C: DuplicateUpdated"


def test_atom_source_has_the_id_title_and_updated_the_validator_wants() -> None:
    sources = list(tree(ATOM).iter(f"{A}source"))
    assert sources
    for source in sources:
        assert all(source.findtext(f"{A}{name}") for name in ("id", "title", "updated"))


# --- W3C Feed Validation Service rules ------------------------------------------------


@pytest.mark.parametrize("path", [ATOM, RSS], ids=["atom", "rss"])
def test_every_url_is_ascii(path: Path) -> None:
    root = tree(path)
    urls = [v for n in root.iter() for k, v in n.attrib.items() if k in ("href", "url")]
    urls += [n.text for n in root.iter("link", "guid", f"{A}id", f"{A}uri")]
    assert urls and all(u.isascii() and " " not in u for u in urls)


@pytest.mark.parametrize("path", [ATOM, RSS], ids=["atom", "rss"])
def test_self_link_names_the_document_itself(path: Path) -> None:
    links = [n for n in tree(path).iter(f"{A}link") if n.get("rel") == "self"]
    assert [link.get("href") for link in links] == [f"https://example.org/feeds/{path.name}"]


@pytest.mark.parametrize("path", [ATOM, RSS], ids=["atom", "rss"])
def test_only_namespaces_the_validator_knows(path: Path) -> None:
    used = {uri for n in tree(path).iter() for uri in n.nsmap.values()}
    assert used <= KNOWN_NAMESPACES


def test_rss_dates_are_english_rfc_822() -> None:
    dates = [n.text for n in tree(RSS).iter("pubDate", "lastBuildDate")]
    assert dates and all(RFC822.match(d) for d in dates)


def test_rss_uses_dc_creator_not_a_name_only_author_and_a_guid_that_is_no_permalink() -> None:
    root = tree(RSS)
    assert not list(root.iter("author"))
    for guid in root.iter("guid"):
        assert guid.get("isPermaLink") == "false" and guid.text.startswith("tag:")


def test_rss_item_has_description_before_content() -> None:
    for item in tree(RSS).iter("item"):
        names = [etree.QName(child).localname for child in item]
        assert names.index("description") < names.index("encoded")


def test_media_credits_use_an_ebu_role_and_no_media_description() -> None:
    for path in (ATOM, RSS):
        root = tree(path)
        credits = list(root.iter("{http://search.yahoo.com/mrss/}credit"))
        assert credits and {c.get("role") for c in credits} == {"photographer", "distribution company"}
        assert not list(root.iter("{http://search.yahoo.com/mrss/}description"))


def test_links_inside_content_are_absolute() -> None:
    for node in tree(RSS).iter("{http://purl.org/rss/1.0/modules/content/}encoded"):
        assert all(h.startswith("https://") for h in re.findall(r'href="([^"]*)"', node.text))


# --- the verifier refuses what must never be published ---------------------------------


def _atom_with(old: str, new: str) -> bytes:
    """The golden Atom feed with every match of the pattern ``old`` replaced by ``new``."""
    data = ATOM.read_bytes().decode()
    assert re.search(old, data)
    return re.sub(old, new, data).encode()


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (r"<updated>2024-08-02T00:00:00\+00:00</updated>", "<updated>2024-08-02T00:00:00</updated>", "time zone"),
        (r"\s*<author>\s*<name>seedfeed</name>\s*</author>", "", "no author"),  # feed and entries alike
        (r"<title>seedfeed</title>", "", "RELAX NG"),
        (r"<title>seedfeed</title>", "<title>seedfeed", "well-formed"),
    ],
)
def test_verifier_rejects_broken_atom(old: str, new: str, reason: str) -> None:
    with pytest.raises(VerifyError, match=reason):
        verify_feed(_atom_with(old, new), "atom")


def test_verifier_rejects_rss_with_a_localised_date() -> None:
    data = RSS.read_bytes().replace(b"Fri, 02 Aug 2024", b"Pet, 02 avg 2024", 1)
    with pytest.raises(VerifyError, match="RFC 822"):
        verify_feed(data, "rss")


def test_an_assembled_document_is_checked_for_what_its_parts_cannot_show() -> None:
    from seedfeed.feeds.verify import VerifyError, verify_assembled

    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><id>f</id>%s</feed>'
    entry = b"<entry><id>a</id><source><id>s</id></source></entry>"
    verify_assembled(atom % (entry + entry.replace(b">a<", b">b<")), "atom")  # a shared source id is fine
    with pytest.raises(VerifyError, match="not unique"):
        verify_assembled(atom % (entry + entry), "atom")
    with pytest.raises(VerifyError, match="not unique"):
        verify_assembled(b"<rss><channel><item><guid>x</guid></item><item><guid>x</guid></item></channel></rss>", "rss")
    with pytest.raises(VerifyError, match="not well-formed"):
        verify_assembled(b"<feed><entry></feed>", "atom")
