"""``seedfeed.toml`` → :class:`Config`, read with ``tomllib``; defaults that work with no file.

Relative paths in the file are relative to the file's directory; with no
file, to the current directory. Command-line flags override the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .ingest.parse import LANGUAGE_TAG
from .model import Limits, Site

DEFAULT_FILE = "seedfeed.toml"
STATE_DIR = ".seedfeed"


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


_SITE_KEYS = {f.name for f in fields(Site)} - {"sources", "feeds_url", "id_prefix", "hub", "limits"}


def load_config(
    path: Path | None = None,
    *,
    seeds: Path | None = None,
    out: Path | None = None,
    cwd: Path | None = None,
) -> Config:
    """Read ``path`` (else ``./seedfeed.toml`` if it exists, else defaults) and apply overrides.

    Raises :class:`ConfigError` for a missing or malformed file, unknown keys
    or values of the wrong type.
    """
    cwd = cwd or Path()  # relative defaults keep messages short: "seeds/x.txt: …"
    if path is None and (cwd / DEFAULT_FILE).is_file():
        path = cwd / DEFAULT_FILE
    data: dict[str, Any] = {}
    root = cwd
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such configuration file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        root = path.parent
    where = str(path) if path else "defaults"
    _check_keys(data, {"site", "paths", "sources", "schedule", "serve", "limits", "deploy"}, where, "")
    site = _site(data.get("site", {}), data.get("sources", {}), where)
    site = replace(site, limits=_limits(data.get("limits", {}), where))
    paths = data.get("paths", {})
    _check_keys(paths, {"seeds", "out", "state"}, where, "paths.")
    seeds_dir = seeds or root / _str(paths, "seeds", "seeds", where)
    out_dir = out or root / _str(paths, "out", "feeds", where)
    state = root / paths["state"] if "state" in paths else default_state(seeds_dir)
    every, at = _schedule(data.get("schedule", {}), where)
    serving = _serve(data.get("serve", {}), where)
    deploying = _deploy(data.get("deploy", {}), where)
    return Config(site=site, seeds=seeds_dir, out=out_dir, state=state, every=every, at=at, deploy=deploying, **serving)


_DEPLOY_KEYS = {
    "to": str,
    "endpoint_url": str,
    "region": str,
    "gzip": bool,
    "cache_control": str,
    "archive_cache_control": str,
}


def _deploy(table: dict[str, Any], where: str) -> dict[str, Any]:
    _check_keys(table, set(_DEPLOY_KEYS), where, "deploy.")
    for key, kind in _DEPLOY_KEYS.items():
        if key in table and not isinstance(table[key], kind):
            raise ConfigError(f"{where}: deploy.{key} must be {'true or false' if kind is bool else 'a string'}")
    return dict(table)


def _serve(table: dict[str, Any], where: str) -> dict[str, Any]:
    _check_keys(table, {"host", "port", "max_age"}, where, "serve.")
    for key, kind in (("host", str), ("port", int), ("max_age", int)):
        if key in table and (not isinstance(table[key], kind) or isinstance(table[key], bool)):
            raise ConfigError(f"{where}: serve.{key} must be {'a string' if kind is str else 'an integer'}")
    return dict(table)


def _limits(table: dict[str, Any], where: str) -> Limits:
    names = {f.name for f in fields(Limits)}
    _check_keys(table, names, where, "limits.")
    for key, value in table.items():
        least = 0 if key in ("related", "credits") else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ConfigError(f"{where}: limits.{key} must be an integer of at least {least}")
    return Limits(**table)


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


def _site(table: dict[str, Any], sources: dict[str, Any], where: str) -> Site:
    _check_keys(table, _SITE_KEYS | {"feeds_url", "id_prefix", "hub"}, where, "site.")
    defaults = Site()
    values: dict[str, Any] = {}
    for key in _SITE_KEYS | {"feeds_url", "id_prefix", "hub"}:
        if key not in table:
            continue
        expected = int if key in ("limit", "page_size", "topic_min") else bool if key == "entry_author" else str
        if not isinstance(table[key], expected) or (expected is not bool and isinstance(table[key], bool)):
            kind = {int: "an integer", bool: "true or false"}.get(expected, "a string")
            raise ConfigError(f"{where}: site.{key} must be {kind}")
        values[key] = table[key]
    pattern = values.get("related_url")
    if pattern is not None:
        example = pattern.replace("{slug}", "x")
        if "{slug}" not in pattern or urlsplit(example).scheme not in ("http", "https") or not example.isascii():
            raise ConfigError(
                f"{where}: site.related_url must be an ASCII http(s) URL with {{slug}} in it, "
                f"such as 'https://example.org/{{slug}}'; got {pattern!r}"
            )
    base = values.get("base_url", defaults.base_url)
    if not base.endswith("/"):
        base += "/"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or not base.isascii():
        raise ConfigError(f"{where}: site.base_url must be an ASCII http(s) URL, got {base!r}")
    values["base_url"] = base
    feeds_url = values.get("feeds_url", f"{base}feeds/")
    values["feeds_url"] = feeds_url if feeds_url.endswith("/") else feeds_url + "/"
    values.setdefault("id_prefix", f"tag:{parts.hostname},2026:")
    for key in ("limit", "page_size", "topic_min"):
        if values.get(key, 1) < 1:
            raise ConfigError(f"{where}: site.{key} must be at least 1")
    language = values.get("language")
    if language is not None and not LANGUAGE_TAG.match(language):
        raise ConfigError(f"{where}: site.language {language!r} is not a language tag such as 'sl' or 'en-GB'")
    try:
        ZoneInfo(values.get("timezone", defaults.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: site.timezone {values['timezone']!r} is not an IANA time zone") from None
    if not all(isinstance(v, str) for v in sources.values()):
        raise ConfigError(f"{where}: every [sources] value must be a URL string")
    return replace(defaults, **values, sources=tuple(sorted(sources.items())))


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
