"""ASCII slugs and URIs: validators reject raw non-ASCII in URLs (``UriNotIri``)."""

from __future__ import annotations

import ipaddress
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
    host = parts.netloc
    if not host.isascii():  # only the host name is IDNA-encoded; user info and port are kept
        user, at, name = host.rpartition("@")
        name, colon, port = name.rpartition(":") if name.rpartition(":")[2].isdigit() else (name, "", "")
        host = f"{quote(user, safe=':%')}{at}{name.encode('idna').decode('ascii')}{colon}{port}"
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


_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_SCHEME_RE = re.compile(r"^(https?)://", re.IGNORECASE)


def http_url(text: str) -> str:
    """An absolute http(s) URL as a URI, or :class:`ValueError` saying why it is not one.

    The checks are those a feed validator makes of a link: a scheme of http
    or https in any case (written lower-case), a host name whose labels are
    letters, digits and hyphens once IDNA-encoded (or an IP address), and a
    port in range. Non-ASCII in the path is percent-encoded (:func:`to_uri`).

    >>> http_url("HTTPS://Novice.example.si/članek")
    'https://Novice.example.si/%C4%8Dlanek'
    >>> http_url("https://novičke..si/clanek")
    Traceback (most recent call last):
    ValueError: has host 'novičke..si', which is not a valid host name
    """
    text = text.strip()
    scheme = _SCHEME_RE.match(text)
    if scheme is None:
        raise ValueError("is not an absolute http(s) URL")
    text = scheme.group(1).lower() + text[len(scheme.group(1)) :]
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
    except ValueError as exc:
        raise ValueError(f"does not parse as a URL: {exc}") from None
    host = parts.hostname or ""
    if not host:
        raise ValueError("has no host")
    if not _valid_host(host):
        raise ValueError(f"has host {host!r}, which is not a valid host name")
    if any(ch.isspace() or not ch.isprintable() for ch in parts.netloc):
        raise ValueError("has white space in its host")
    return to_uri(text)


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return len(ascii_host) <= 253 and all(_LABEL_RE.match(label) for label in labels)
