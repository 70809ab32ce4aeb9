"""Seed bytes → text: encodings, line ends, control characters, size."""

from __future__ import annotations

import pytest

from seedfeed.errors import SeedError
from seedfeed.ingest.decode import MAX_SEED_BYTES, decode

TEXT = "Čas je, da šef žge ćevape; đak 'Đuro' je vesel."


@pytest.mark.parametrize("encoding", ["cp1250", "iso-8859-2"])
def test_legacy_central_european_encodings_decode_correctly(encoding: str) -> None:
    decoded = decode(TEXT.encode(encoding), "x.txt")
    assert (decoded.text, decoded.legacy_encoding) == (TEXT, encoding)


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),
    ],
)
def test_unicode_with_or_without_byte_order_mark_is_not_legacy(data: bytes) -> None:
    decoded = decode(data, "x.txt")
    assert (decoded.text, decoded.legacy_encoding) == (TEXT, None)


def test_crlf_and_lone_cr_become_newlines() -> None:
    assert decode(b"a\r\nb\rc\n", "x.txt").text == "a\nb\nc\n"


def test_a_few_forbidden_control_characters_are_dropped() -> None:
    text = "Title\nBody\x0b text\x1b with escapes. " + "Plain text. " * 30
    decoded = decode(text.encode(), "x.txt")
    assert decoded.text == text.replace("\x0b", "").replace("\x1b", "")
    assert decoded.removed_controls == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file: NUL byte at offset 8"),
        (b"\xef\xbb\xbfok\xff", "undecodable utf-8 at byte 2"),
        (b"T\n" + b"\x01\x02 x" * 50, "not text: 100 control characters"),
        (b"x" * (MAX_SEED_BYTES + 1), "too large"),
    ],
)
def test_bad_bytes_are_rejected_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SeedError, match=reason) as caught:
        decode(data, "seeds/x.txt")
    assert str(caught.value).startswith("seeds/x.txt: ")


def test_an_oversized_seed_is_rejected_before_it_is_read(make_config) -> None:
    from seedfeed.build import build

    config = make_config()
    (config.seeds / "2024-01-01-ok.txt").write_text("Title\nBody.\n")
    (config.seeds / "2024-01-02-huge.txt").write_bytes(b"Title\n" + b"x" * MAX_SEED_BYTES)
    report = build(config)
    assert report.articles == 1
    assert report.rejected[0].reason.startswith("too large: 1048582 bytes")


def test_utf8_with_one_stray_byte_stays_utf8_and_names_the_byte() -> None:
    text = "Čas je, da šef žge ćevape.\nŠe več: "
    decoded = decode(text.encode() + b"\xe8!\n", "x.txt")
    assert decoded.text == text + "\ufffd!\n"
    assert decoded.legacy_encoding is None
    assert decoded.stray is not None
    assert (decoded.stray.count, decoded.stray.line, decoded.stray.byte) == (1, 2, 0xE8)
    assert decoded.stray.offset == len(text.encode())


def test_a_stray_byte_in_a_build_is_one_warning_and_the_article_keeps_its_letters(make_config, caplog) -> None:
    from seedfeed.build import build

    config = make_config()
    seed = config.seeds / "2024-01-01-stray.txt"
    seed.write_bytes(
        "Šolsko leto\nŽiga in Čedo sta šla v šolo.\nPotem\x96 domov.\n".encode().replace(b"\xc2\x96", b"\x96")
    )
    report = build(config)
    assert report.rejected == ()
    atom = (config.out / "atom.xml").read_text()
    assert "Žiga in Čedo sta šla v šolo." in atom
    assert "Potem\ufffd domov." in atom
    offset = seed.read_bytes().index(b"\x96")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"{seed}:3: invalid UTF-8 byte 0x96 at byte {offset} replaced with U+FFFD"]


def test_text_with_no_valid_utf8_sequence_is_still_legacy() -> None:
    assert decode("Še en čas: šola.".encode("cp1250"), "x.txt").legacy_encoding == "cp1250"
