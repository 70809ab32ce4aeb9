"""Seed bytes → text: byte order marks, UTF-8, and the legacy Central European code pages.

Slovenian and Croatian text still arrives in Windows-1250 or ISO-8859-2.
Both decode almost any byte string without error, so the choice between them
is made by scoring which one yields the letters these languages use
(``č š ž ć đ``) rather than C1 control characters or rare letters (``ą ľ ź``).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ..errors import SeedError

MAX_SEED_BYTES = 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LEGACY = ("cp1250", "iso-8859-2")
_EXPECTED = frozenset("čšžćđČŠŽĆĐäöüßÄÖÜ")

# Characters XML 1.0 forbids (C0 controls but tab, LF, CR; U+FFFE, U+FFFF) plus
# the C1 controls, which are legal XML but never intended in an article.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
#: More control characters than this share of the text means the file is not
#: text that lost a stray byte, but something else: it is rejected.
MAX_CONTROL_SHARE = 0.01
#: Text with more invalid UTF-8 sequences than this is not UTF-8 with stray bytes.
_MAX_STRAY = 64


@dataclass(frozen=True, slots=True)
class Stray:
    """Invalid UTF-8 bytes in text that is otherwise UTF-8, each replaced by U+FFFD.

    ``offset`` and ``line`` locate the first one (0-based byte, 1-based line).
    """

    count: int
    offset: int
    line: int
    byte: int


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text ready to parse, and the legacy encoding it came in (``None`` for Unicode)."""

    text: str
    legacy_encoding: str | None = None
    removed_controls: int = 0
    stray: Stray | None = None


def decode(data: bytes, path: str) -> Decoded:
    """Decode a seed file's bytes, normalise line ends, and drop stray control characters.

    Raises :class:`SeedError` for files that are too large, binary, or so full
    of control characters that dropping them would not leave the article.
    """
    if len(data) > MAX_SEED_BYTES:
        raise SeedError(path, f"too large: {len(data)} bytes (the limit is 1 MiB)")
    text, legacy, stray = _to_text(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = len(_CONTROL_RE.findall(text))
    if controls and controls > MAX_CONTROL_SHARE * len(text):
        raise SeedError(path, f"not text: {controls} control characters in {len(text)}")
    if controls:
        text = _CONTROL_RE.sub("", text)
    return Decoded(text, legacy, controls, stray)


def _to_text(data: bytes, path: str) -> tuple[str, str | None, Stray | None]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), None, None
            except UnicodeDecodeError as exc:
                raise SeedError(path, f"undecodable {encoding} at byte {exc.start}") from None
    nul = data.find(b"\0")
    if nul >= 0:
        raise SeedError(path, f"binary file: NUL byte at offset {nul}")
    try:
        return data.decode("utf-8"), None, None
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly
    candidates = []
    for encoding in _LEGACY:
        try:
            candidates.append((_score(data.decode(encoding)), encoding))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise SeedError(path, "undecodable: neither UTF-8, Windows-1250 nor ISO-8859-2")
    _, best = max(candidates, key=lambda c: c[0])  # ties keep the first: Windows-1250
    return data.decode(best), best, None


def _mostly_utf8(data: bytes) -> tuple[str, None, Stray] | None:
    r"""UTF-8 text with a few stray bytes: decoded as UTF-8, each stray byte replaced by U+FFFD.

    Text is taken for UTF-8 when it has at least as many valid multi-byte
    characters as invalid bytes. Legacy Central European text almost never
    holds a valid UTF-8 sequence (``č`` is one byte, 0xE8, followed by ASCII),
    so one stray byte no longer turns every ``č`` of a UTF-8 article into ``ÄŤ``.

    >>> _mostly_utf8("Čas in še".encode() + b" ve\xe8.")[0]
    'Čas in še ve\ufffd.'
    """
    parts: list[str] = []
    invalid: list[int] = []
    start = 0
    while True:
        try:
            parts.append(data[start:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            parts.append(data[start : start + exc.start].decode("utf-8"))
            invalid.append(start + exc.start)
            parts.append("\ufffd")
            start += exc.end
        if len(invalid) > _MAX_STRAY:
            return None
    text = "".join(parts)
    valid = sum(1 for ch in text if ord(ch) > 0x7F) - len(invalid)
    if valid < len(invalid):
        return None
    first = invalid[0]
    return text, None, Stray(len(invalid), first, data.count(b"\n", 0, first) + 1, data[first])


def _score(text: str) -> int:
    expected = sum(ch in _EXPECTED for ch in text)
    controls = len(_CONTROL_RE.findall(text))
    rare = sum(0x100 <= ord(ch) < 0x250 and ch not in _EXPECTED for ch in text)
    return 2 * expected - 10 * controls - rare
