"""One setting's value → itself, or a :class:`ConfigError` naming the setting and the reason (pure).

The rules are those the rest of the code applies later: a URL as a seed's URL
(:func:`seedfeed.ingest.slug.http_url`), text as seed text (what XML can
carry), an entry id prefix as the RFC 4151 tag URI or http(s) URL every id
starts with, a number against the range it is used in.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import get_args

from .errors import ConfigError, SeedError, SeedfeedError
from .ingest.slug import http_url
from .model import ContentMode, Image, Site


def in_range(value: int, least: int, most: int, setting: str, where: str, kind: str = "") -> None:
    if not least <= value <= most:
        shown = str(value) if len(str(value)) <= 30 else f"a number of {len(str(value))} digits"
        raise ConfigError(f"{where}: {setting} must be {kind}at least {least} and at most {most}; got {shown}")


def http_url_setting(value: str, setting: str, where: str) -> str:
    """``value`` as the URI :func:`http_url` makes of a seed's URL, or a ConfigError naming ``setting``."""
    try:
        uri = http_url(value)
    except ValueError as exc:
        reason = f"{value!r} {exc}"
    else:
        if value.isascii():
            return uri
        reason = f"{value!r} has non-ASCII characters: percent-encode them, and write a host name as xn--…"
    raise ConfigError(f"{where}: {setting} must be an ASCII http(s) URL: {reason}")


def related_url_pattern(pattern: str, where: str) -> None:
    """The pattern with ``{slug}`` replaced must be a URL as it stands: it is not encoded when it is used."""
    url_pattern(pattern, "site.related_url", ("{slug}",), where)


def url_pattern(pattern: str, setting: str, fields: tuple[str, ...], where: str) -> None:
    """``pattern`` with ``{slug}`` in it, and its ``fields`` filled, must be a URL as it stands.

    Nothing is encoded when the pattern is used: an example value for each
    field must give an ASCII http(s) URL.
    """
    example = pattern.replace("{slug}", "x")
    for name in fields:
        example = example.replace(name, "1")
    reason = "" if "{slug}" in pattern else "it has no {slug}"
    if not reason and "{" in example:
        reason = f"its only fields may be {', '.join(fields)}"
    try:
        http_url(example)
    except ValueError as exc:
        reason = reason or f"with {{slug}} as 'x', {example!r} {exc}"
    if not reason and not _plain_uri(example):
        reason = "it has non-ASCII, space or control characters: percent-encode them"
    if reason:
        raise ConfigError(
            f"{where}: {setting} must be an ASCII http(s) URL with {{slug}} in it, "
            f"such as 'https://example.org/{{slug}}'; got {pattern!r}: {reason}"
        )


_DNS_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DNS_NAME = rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*"
# RFC 4151 §2.1: tag:AUTHORITY,DATE:SPECIFIC, the authority a DNS name or an e-mail address.
_TAG_RE = re.compile(
    rf"tag:(?:{_DNS_NAME}|[A-Za-z0-9._-]+@{_DNS_NAME}),([0-9]{{4}}(?:-[0-9]{{2}}(?:-[0-9]{{2}})?)?):"
    r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*"
)


def id_prefix_uri(value: str, setting: str, where: str) -> str:
    """``value`` if it is a valid ``tag:`` URI (RFC 4151) or http(s) URL, kept as written: the ids must never change."""
    tag = _TAG_RE.fullmatch(value)
    if tag is not None and _valid_date(tag.group(1)):
        return value
    if not value.startswith("tag:") and _plain_uri(value):
        try:
            http_url(value)
            return value
        except ValueError:
            pass
    what = "is" if setting == "site.id_prefix" else "gives the entry id prefix"
    fix = "" if setting == "site.id_prefix" else "; set site.id_prefix"
    raise ConfigError(
        f"{where}: {setting} {what} {value!r}, which is not a tag: URI such as 'tag:example.org,2026:' "
        f"(RFC 4151) or an http(s) URL{fix}"
    )


def _valid_date(text: str) -> bool:
    try:
        date(*[*map(int, text.split("-")), 1, 1][:3])  # a year, a month of it, a day of that
    except ValueError:
        return False
    return True


def _plain_uri(text: str) -> bool:
    return text.isascii() and all(ch.isprintable() and not ch.isspace() for ch in text)


# What a feed cannot carry: XML 1.0 forbids the C0 controls but tab, LF and CR, the surrogates,
# U+FFFE and U+FFFF. DEL and the C1 controls are legal XML but never meant; seed text loses them
# too (ingest.decode). A control character in site.title had every seed rejected by the verifier.
_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def text_setting(value: str, setting: str, where: str) -> str:
    if bad := _ILLEGAL_RE.search(value):
        raise ConfigError(
            f"{where}: {setting} has the character U+{ord(bad.group()):04X} at position {bad.start() + 1}, "
            "which a feed cannot carry"
        )
    return value


def content_setting(value: object, setting: str, where: str) -> ContentMode:
    """``value`` if it is a content choice (``"full"``, ``"summary"``), else a ConfigError naming ``setting``."""
    choices: tuple[ContentMode, ...] = get_args(ContentMode)
    for choice in choices:
        if value == choice:
            return choice
    shown = repr(value) if isinstance(value, str) and len(value) <= 30 else f"a {type(value).__name__}"
    raise ConfigError(f"{where}: {setting} must be {' or '.join(map(repr, choices))}; got {shown}")


#: The settings that are the feed's face: a picture each (:mod:`seedfeed.feeds.face`).
FACES = ("icon", "logo")


def face(value: str, key: str, root: Path, site: Site, where: str) -> Image:
    """``site.icon`` or ``site.logo``: an http(s) URL as it is, or an image file published with the output.

    A path is relative to the configuration file's directory, like every path
    there. The file is read and measured as a seed's local lead image is (a
    regular file of at most ``[limits] image_bytes``, JPEG, PNG, GIF, WebP or
    AVIF) and published under the name its bytes give it. A bad one is a
    :class:`ConfigError` naming the setting.
    """
    from .ingest.images import picture_file
    from .ingest.lead_image import remote_image_type

    setting = f"site.{key}"
    if "://" in value:
        url = http_url_setting(value, setting, where)
        return Image(url, media_type=remote_image_type(url))
    path = (root / value).absolute()
    try:
        return picture_file(path, site.limits.image_bytes, site.feeds_url)
    except SeedfeedError as error:
        raise ConfigError(f"{where}: {setting}: {error.reason if isinstance(error, SeedError) else error}") from None
