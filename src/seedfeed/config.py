"""``seedfeed.toml`` → :class:`Config`, read with ``tomllib``; defaults that work with no file.

Relative paths in the file are relative to the file's directory; with no
file, to the current directory. Command-line flags override the file.

Every value is checked where it enters, by the rules the rest of the code
applies later: a URL as a seed's URL, text as seed text, a number against the
range it is used in, and the paths against each other (:func:`check_paths`).
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .checks import (
    FACES,
    content_setting,
    face,
    http_url_setting,
    id_prefix_uri,
    in_range,
    related_url_pattern,
    text_setting,
    url_pattern,
)
from .errors import ConfigError
from .ingest.language import LANGUAGE_TAG
from .model import ContentMode, Limits, Site

DEFAULT_FILE = "seedfeed.toml"
STATE_DIR = ".seedfeed"
#: The largest configuration file read: a real one is a few hundred bytes; /dev/zero is endless.
MAX_CONFIG_BYTES = 1024 * 1024
#: The largest limit, page_size, topic_min and [limits] count: far above any real feed, and well
#: inside SQLite's 64-bit integers (``limit = 2**63`` overflowed there, deep in a build).
MAX_COUNT = 10**6
#: Per [limits] key, where a count is not what it bounds (a seed is at most 1 MiB; its HTML a few times that).
_LIMITS_MOST = {"entry_bytes": 64 * 1024 * 1024, "image_bytes": 1024**3}
#: Cache-Control max-age: RFC 9111 §1.2.2 has caches treat anything larger as 2^31 s.
MAX_AGE = 2**31 - 1
MAX_PORT = 65535


@dataclass(frozen=True, slots=True)
class Config:
    """Where to read and write, and what the feeds say about the site.

    ``state`` defaults to ``.seedfeed/<seeds dir name>.sqlite3`` beside the
    seeds directory: private, like the seeds, and never inside the published output.
    """

    site: Site
    seeds: Path
    out: Path
    state: Path
    every: str | None = None
    at: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8080
    max_age: int = 300
    deploy: dict[str, Any] = field(default_factory=dict)  # [deploy], checked by deploy_settings


_SITE_KEYS = {f.name for f in fields(Site)} - {
    "sources",
    "feeds_url",
    "id_prefix",
    "hub",
    "limits",
    "content",
    "topic_content",
    *FACES,
}


def load_config(
    path: Path | None = None,
    *,
    seeds: Path | None = None,
    out: Path | None = None,
    cwd: Path | None = None,
) -> Config:
    """Read ``path`` (else ``./seedfeed.toml`` if it exists, else defaults) and apply overrides.

    Raises :class:`ConfigError` for a missing, oversized or malformed file,
    unknown keys, values of the wrong type or out of range, and paths that
    would publish something private (:func:`check_paths`).
    """
    cwd = cwd or Path()  # relative defaults keep messages short: "seeds/x.txt: …"
    if path is None and (cwd / DEFAULT_FILE).is_file():
        path = cwd / DEFAULT_FILE
    data: dict[str, Any] = {}
    root = cwd
    if path is not None:
        try:
            data = tomllib.loads(read_config_file(path))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        root = path.parent
    where = str(path) if path else "defaults"
    _check_keys(data, {"site", "paths", "sources", "schedule", "serve", "limits", "deploy", "feeds"}, where, "")
    site = _site(data.get("site", {}), data.get("sources", {}), where)
    content, topic_content = _feeds(data.get("feeds", {}), where)
    site = replace(site, limits=_limits(data.get("limits", {}), where), content=content, topic_content=topic_content)
    faces = _faces(data, where)
    icon, logo = (face(faces[k], k, root, site, where) if k in faces else None for k in FACES)
    site = replace(site, icon=icon, logo=logo)
    paths = data.get("paths", {})
    _check_keys(paths, {"seeds", "out", "state"}, where, "paths.")
    seeds_dir = seeds or root / _str(paths, "seeds", "seeds", where)
    out_dir = out or root / _str(paths, "out", "feeds", where)
    state = root / _str(paths, "state", "", where) if "state" in paths else default_state(seeds_dir)
    check_paths(seeds_dir, out_dir, state, path)
    every, at = _schedule(data.get("schedule", {}), where)
    serving = _serve(data.get("serve", {}), where)
    deploying = _deploy(data.get("deploy", {}), where)
    return Config(site=site, seeds=seeds_dir, out=out_dir, state=state, every=every, at=at, deploy=deploying, **serving)


def read_config_file(path: Path) -> str:
    """The text of the configuration file at ``path``: a regular file of at most ``MAX_CONFIG_BYTES``, UTF-8.

    The file is opened without blocking and checked before a byte is read:
    ``--config /dev/zero`` was read into a ``MemoryError``, and a FIFO with no
    writer hung the command.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ConfigError(f"{path}: the configuration file is not a regular file")
    with os.fdopen(fd, "rb") as file:  # closes fd
        try:
            data = file.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the configuration file: {exc.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: the configuration file is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the configuration file is not UTF-8: {exc}") from None


def check_paths(seeds: Path, out: Path, state: Path, config_file: Path | None) -> None:
    """Raise :class:`ConfigError` unless the paths keep what is private out of what is published.

    The state must be a regular file or not exist yet: a corrupt state is
    moved aside by renaming it, which once renamed a whole directory named
    as the state (``feeds``, or the seeds) away. It lies in neither the seeds
    nor the output directory. The output directory is not the seeds
    directory and holds neither the seeds, nor the state, nor the
    configuration file: everything in it may be served and deployed.
    Symbolic links are followed, so a link cannot hide one inside another.
    """
    places = {"seeds directory": seeds, "output directory": out, "state": state}
    if config_file is not None:
        places["configuration file"] = config_file
    real = {name: path.resolve() for name, path in places.items()}
    problem = ""
    if state.exists() and not state.is_file():
        kind = "a directory" if state.is_dir() else "not a regular file"
        problem = f"the state {str(state)!r} is {kind}; name a database file such as state.sqlite3"
    for child, parent, exact in _NESTING:
        if problem or child not in real or parent not in real:
            continue
        if real[child] == real[parent] or (not exact and real[parent] in real[child].parents):
            relation = "is" if real[child] == real[parent] else "is inside"
            published = ", which is published" if parent == "output directory" else ""
            problem = f"the {child} {str(places[child])!r} {relation} the {parent} {str(places[parent])!r}{published}"
    if problem:
        raise ConfigError(f"{config_file}: {problem}" if config_file else problem)


#: (what, where it must not be, only the same path counts), in the order they are reported.
_NESTING = (
    ("output directory", "seeds directory", True),
    ("seeds directory", "output directory", False),
    ("configuration file", "output directory", False),
    ("state", "seeds directory", False),
    ("state", "output directory", False),
    ("state", "configuration file", True),
)


_DEPLOY_KEYS = {
    "to": str,
    "endpoint_url": str,
    "region": str,
    "gzip": bool,
    "cache_control": str,
    "archive_cache_control": str,
    "timeout": float,
}


# botocore's own rule for a region name (botocore.utils.validate_region_name), checked before a deploy.
_REGION_RE = re.compile(r"(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")  # never in a value that becomes an HTTP header


def _deploy(table: dict[str, Any], where: str) -> dict[str, Any]:
    _check_keys(table, set(_DEPLOY_KEYS), where, "deploy.")
    values = dict(table)
    for key, kind in _DEPLOY_KEYS.items():
        if kind is float and key in table:  # seconds: an integer or a float, more than 0, at most a minute
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 60:
                raise ConfigError(f"{where}: deploy.{key} must be a number of seconds, more than 0 and at most 60")
            continue
        if key in table and not isinstance(table[key], kind):
            raise ConfigError(f"{where}: deploy.{key} must be {'true or false' if kind is bool else 'a string'}")
        if kind is str and key in table and (bad := _CONTROL_RE.search(table[key])):
            raise ConfigError(f"{where}: deploy.{key} has the control character U+{ord(bad.group()):04X}")
    if "endpoint_url" in table:
        values["endpoint_url"] = http_url_setting(table["endpoint_url"], "deploy.endpoint_url", where)
    if "region" in table and not _REGION_RE.fullmatch(table["region"]):
        raise ConfigError(f"{where}: deploy.region {table['region']!r} is not a region name such as 'eu-central-1'")
    return values


def _serve(table: dict[str, Any], where: str) -> dict[str, Any]:
    _check_keys(table, {"host", "port", "max_age"}, where, "serve.")
    for key, kind in (("host", str), ("port", int), ("max_age", int)):
        if key in table and (not isinstance(table[key], kind) or isinstance(table[key], bool)):
            raise ConfigError(f"{where}: serve.{key} must be {'a string' if kind is str else 'an integer'}")
    for key, most in (("port", MAX_PORT), ("max_age", MAX_AGE)):
        if key in table:
            in_range(table[key], 0, most, f"serve.{key}", where)
    return dict(table)


def _limits(table: dict[str, Any], where: str) -> Limits:
    names = {f.name for f in fields(Limits)}
    _check_keys(table, names, where, "limits.")
    for key, value in table.items():
        least = 0 if key in ("related", "credits", "tags") else 1
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}: limits.{key} must be an integer of at least {least}")
        in_range(value, least, _LIMITS_MOST.get(key, MAX_COUNT), f"limits.{key}", where, "an integer of ")
    return Limits(**table)


def _feeds(table: dict[str, Any], where: str) -> tuple[ContentMode, ContentMode | None]:
    """``[feeds]``: what the entries carry, ``(content, topic_content)`` (see :class:`Site`)."""
    _check_keys(table, {"content", "topic_content"}, where, "feeds.")
    content = content_setting(table.get("content", "full"), "feeds.content", where)
    topic = table.get("topic_content")
    return content, None if topic is None else content_setting(topic, "feeds.topic_content", where)


def default_state(seeds: Path) -> Path:
    """``.seedfeed/<seeds dir name>.sqlite3`` beside the seeds directory: one database per directory."""
    return seeds.parent / STATE_DIR / f"{seeds.resolve().name or 'seeds'}.sqlite3"


def _schedule(table: dict[str, Any], where: str) -> tuple[str | None, tuple[str, ...]]:
    _check_keys(table, {"every", "at"}, where, "schedule.")
    every = table.get("every")
    if every is not None and not isinstance(every, str):
        raise ConfigError(f"{where}: schedule.every must be a string such as '15m'")
    at = table.get("at", [])
    at = [at] if isinstance(at, str) else at
    if not isinstance(at, list) or not all(isinstance(a, str) for a in at):
        raise ConfigError(f"{where}: schedule.at must be a time 'HH:MM' or a list of them")
    return every, tuple(at)


_TEXT_KEYS = ("title", "description", "author")
_INT_KEYS = ("limit", "page_size", "topic_min")


def _site(table: dict[str, Any], sources: dict[str, Any], where: str) -> Site:
    _check_keys(table, _SITE_KEYS | {"feeds_url", "id_prefix", "hub", *FACES}, where, "site.")
    defaults = Site()
    values: dict[str, Any] = {}
    for key in _SITE_KEYS | {"feeds_url", "id_prefix", "hub"}:
        if key not in table:
            continue
        expected = int if key in _INT_KEYS else bool if key == "entry_author" else str
        if not isinstance(table[key], expected) or (expected is not bool and isinstance(table[key], bool)):
            kind = {int: "an integer", bool: "true or false"}.get(expected, "a string")
            raise ConfigError(f"{where}: site.{key} must be {kind}")
        if expected is int:
            in_range(table[key], 1, MAX_COUNT, f"site.{key}", where)
        values[key] = table[key]
    for key in _TEXT_KEYS:  # an empty author or description had every seed rejected, as a bad title did
        if not text_setting(values.get(key, getattr(defaults, key)), f"site.{key}", where).strip():
            raise ConfigError(f"{where}: site.{key} is empty; every feed carries it")
    if "related_url" in values:
        related_url_pattern(values["related_url"], where)
    if "article_url" in values:
        url_pattern(values["article_url"], "site.article_url", ("{slug}", "{yyyy}", "{mm}", "{dd}"), where)
    base = values.get("base_url", defaults.base_url)
    values["base_url"] = base = http_url_setting(base if base.endswith("/") else base + "/", "site.base_url", where)
    feeds_url = values.get("feeds_url", f"{base}feeds/")
    values["feeds_url"] = http_url_setting(
        feeds_url if feeds_url.endswith("/") else feeds_url + "/", "site.feeds_url", where
    )
    if "hub" in values:
        values["hub"] = http_url_setting(values["hub"], "site.hub", where)
    if "id_prefix" in values:
        id_prefix_uri(values["id_prefix"], "site.id_prefix", where)
    else:
        values["id_prefix"] = id_prefix_uri(f"tag:{urlsplit(base).hostname},2026:", "site.base_url's host", where)
    language = values.get("language")
    if language is not None and not LANGUAGE_TAG.match(language):
        raise ConfigError(f"{where}: site.language {language!r} is not a language tag such as 'sl' or 'en-GB'")
    try:
        ZoneInfo(values.get("timezone", defaults.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: site.timezone {values['timezone']!r} is not an IANA time zone") from None
    return replace(defaults, **values, sources=_sources(sources, where))


def _faces(data: dict[str, Any], where: str) -> dict[str, str]:
    """``site.icon`` and ``site.logo`` as given: strings (read and checked by :func:`seedfeed.checks.face`)."""
    table = data.get("site", {})
    for key in FACES:
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{where}: site.{key} must be a string: a URL, or the path of an image file")
    return {key: table[key] for key in FACES if key in table}


def _sources(table: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    if not all(isinstance(v, str) for v in table.values()):
        raise ConfigError(f"{where}: every [sources] value must be a URL string")
    for name in table:
        text_setting(name, f"the [sources] name {name!r}", where)
    return tuple(sorted((name, http_url_setting(url, f"sources.{name}", where)) for name, url in table.items()))


def _check_keys(table: object, allowed: set[str], where: str, prefix: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {prefix.rstrip('.') or 'the file'} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {prefix}{unknown[0]} (known: {', '.join(sorted(allowed))})")


def _str(table: dict[str, Any], key: str, default: str, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: paths.{key} must be a string")
    return value
