"""Seed bytes → text: encodings, line ends, control characters, size."""

from __future__ import annotations

import pytest

from seedfeed.decode import MAX_SEED_BYTES, decode
from seedfeed.errors import SeedError

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
