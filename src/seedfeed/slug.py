"""ASCII slugs and URIs: validators reject raw non-ASCII in URLs (``UriNotIri``)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit, urlunsplit

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = str.maketrans(
    {
        "đ": "dj",
        "Đ": "Dj",
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "œ": "oe",
        "Œ": "Oe",
        "þ": "th",
        "ð": "d",
    }
)
# Serbian Cyrillic, by the official Latin transliteration (then reduced to ASCII).
_CYRILLIC = dict(
    zip(
        "абвгдђежзијклљмнњопрстћуфхцчџш",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "dj",
            "e",
            "z",
            "z",
            "i",
            "j",
            "k",
            "l",
            "lj",
            "m",
            "n",
            "nj",
            "o",
            "p",
            "r",
            "s",
            "t",
            "c",
            "u",
            "f",
            "h",
            "c",
            "c",
            "dz",
            "s",
        ],
        strict=True,
    )
)
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC | {k.upper(): v.capitalize() for k, v in _CYRILLIC.items()})


def slugify(text: str) -> str:
    """An ASCII, lower-case, dash-separated slug.

    >>> slugify("Kim Jong Un zaključil šestdnevni obisk Rusije")
    'kim-jong-un-zakljucil-sestdnevni-obisk-rusije'
    >>> slugify("Ђоковић осваја")
    'djokovic-osvaja'
    """
    text = text.translate(_SPECIAL).translate(_CYRILLIC_TABLE)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def to_uri(iri: str) -> str:
    """Percent-encode what an IRI has that a URI may not (non-ASCII, spaces).

    >>> to_uri("https://example.org/novice/čas je")
    'https://example.org/novice/%C4%8Das%20je'
    """
    parts = urlsplit(iri.strip())
    host = parts.netloc.encode("idna").decode("ascii") if not parts.netloc.isascii() else parts.netloc
    safe = "/:@!$&'()*+,;=-._~%"
    return urlunsplit(
        (
            parts.scheme,
            host,
            quote(parts.path, safe=safe),
            quote(parts.query, safe=safe + "?"),
            quote(parts.fragment, safe=safe + "?"),
        )
    )
