"""``seedfeed deploy``: the output directory → S3-compatible object storage, in an order that never breaks a reader.

What to send is pure (:func:`plan_deploy`): every published file, compared by
content hash with what the last deploy wrote (a manifest object beside the
feeds), in this order:

1. the images the documents show (``immutable``); archive pages (newest first: a
   new page before the one linking to it), and tag and source feeds and pages;
2. the subscription feeds (``atom.xml``, ``rss.xml``);
3. the JSON Feed, the browser pages, the OPML and the index page;
4. then, last, deleting what the build removed (a topic's last article went).

So a reader following ``prev-archive`` or an OPML entry never meets a missing
object, also when a deploy is killed halfway: the manifest is written at the
end, and the next deploy sends again whatever it cannot prove is there.

The client is boto3 (``pip install 'seedfeed[s3]'``), with its standard
credential chain and its retries with backoff for transient errors.
Credentials never reach a log line.
"""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config import Config
from .errors import ConfigError, DeployError
from .feeds import ASSET_CACHE_CONTROL, media_type
from .feeds.names import archive_number, is_asset, publish_order
from .store.state import State

log = logging.getLogger(__name__)

MANIFEST = ".seedfeed-manifest.json"
_TARGET = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?:/(.*))?$")
#: S3 error codes that no retry can fix, and what to tell the operator.
_PERMANENT = {
    "NoSuchBucket": "no such bucket",
    "AccessDenied": "access denied (check the credentials' permissions on the bucket)",
    "AllAccessDisabled": "access denied (all access to the bucket is disabled)",
    "InvalidAccessKeyId": "the access key is not known to the storage (check the credentials)",
    "SignatureDoesNotMatch": "the secret key does not match the access key (check the credentials)",
    "InvalidBucketName": "not a valid bucket name",
    "PermanentRedirect": "the bucket is in another region (set [deploy] region or AWS_REGION)",
}


@dataclass(frozen=True, slots=True)
class Target:
    """Where the feeds go: a bucket and a key prefix (``""`` or ending in ``/``)."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> Target:
        """``s3://bucket[/prefix]``.

        >>> Target.parse("s3://news/feeds"), Target.parse("s3://news")
        (Target(bucket='news', prefix='feeds/'), Target(bucket='news', prefix=''))
        """
        match = _TARGET.match(url.strip())
        if match is None:
            raise ConfigError(f"{url!r} is not an S3 URL such as s3://bucket/prefix")
        prefix = (match.group(2) or "").strip("/")
        return cls(match.group(1), f"{prefix}/" if prefix else "")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


#: Seconds one attempt waits to connect, and for each read of an answer.
TIMEOUT = 8.0
#: Attempts per request (the first and the retries); the retries back off up to 1 s, then 2 s.
ATTEMPTS = 3
_REGION = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")  # botocore's own check


@dataclass(frozen=True, slots=True)
class Settings:
    """``[deploy]`` in ``seedfeed.toml`` (flags override); checked when made (:class:`ConfigError`).

    ``timeout`` and ``attempts`` bound a request the storage does not answer (:attr:`patience`).
    """

    to: Target
    endpoint_url: str | None = None
    region: str | None = None
    gzip: bool = False
    cache_control: str = "public, max-age=300"
    archive_cache_control: str = "public, max-age=86400"
    timeout: float = TIMEOUT
    attempts: int = ATTEMPTS

    def __post_init__(self) -> None:
        from .ingest.slug import http_url

        if self.endpoint_url is not None:
            try:
                http_url(self.endpoint_url)
            except ValueError as exc:
                raise ConfigError(f"deploy endpoint {self.endpoint_url!r} {exc}") from None
        if self.region is not None and not _REGION.match(self.region):
            raise ConfigError(f"deploy region {self.region!r} is not a region name such as eu-central-1 (or auto)")
        if not (self.timeout > 0 and 1 <= self.attempts <= 10):
            raise ConfigError("deploy timeout must be more than 0 s, and attempts 1 to 10")

    @property
    def patience(self) -> float:
        """The longest one request waits for a storage that does not answer before the deploy gives up, in s.

        >>> Settings(Target("news")).patience
        27.0
        """
        return self.attempts * self.timeout + sum(min(2.0**n, 20.0) for n in range(self.attempts - 1))


@dataclass(frozen=True, slots=True)
class Upload:
    """One object to write: its name under the prefix, the bytes sent, and its headers."""

    name: str
    body: bytes
    content_type: str
    cache_control: str
    encoding: str | None
    digest: str


@dataclass
class Report:
    """What a deploy did (or, with ``dry_run``, would do)."""

    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False
    read: int = 0  # local files read (the others matched what was uploaded, by size, mtime and headers)


def prepare(name: str, data: bytes, settings: Settings, newest_page: int | None) -> Upload:
    """The object for the published file ``name``: headers, optional gzip, and the hash that identifies it.

    A full archive page (every page but the newest) gets the long
    ``archive_cache_control``: it changes only when one of its articles is edited.
    """
    kind, cache, encoding = headers(name, settings, newest_page)
    body = gzip_module.compress(data, compresslevel=9, mtime=0) if encoding else data  # same bytes, same gzip
    digest = hashlib.sha256(b"\0".join([body, kind.encode(), cache.encode(), (encoding or "").encode()])).hexdigest()
    return Upload(name, body, kind, cache, encoding, digest)


def headers(name: str, settings: Settings, newest_page: int | None) -> tuple[str, str, str | None]:
    """(Content-Type, Cache-Control, Content-Encoding) of the object for the published file ``name``."""
    page = archive_number(name)
    full_page = page is not None and newest_page is not None and page < newest_page
    cache = settings.archive_cache_control if full_page else settings.cache_control
    if is_asset(name):  # named by its bytes; an image is compressed already: no gzip
        cache, settings = ASSET_CACHE_CONTROL, replace(settings, gzip=False)
    return media_type(name), cache, "gzip" if settings.gzip else None


def plan_deploy(
    uploads: Iterable[Upload], manifest: dict[str, str], remote: set[str], published: Collection[str] = ()
) -> tuple[list[Upload], list[str], int]:
    """(what to upload, in order; what to delete, in order; how many are already there) — pure.

    An object is sent when its hash differs from the manifest's or the
    listing does not show it. Only what a deploy wrote is ever deleted, and
    only once no build publishes it: a ``published`` file missing from the
    output (lost, to be rebuilt) keeps its object.
    """
    local = {u.name: u for u in uploads}
    changed = [u for u in local.values() if manifest.get(u.name) != u.digest or u.name not in remote]
    send = sorted(changed, key=lambda u: publish_order(u.name))
    kept = set(published)
    gone = sorted((name for name in manifest if name not in local and name not in kept), key=publish_order)
    return send, gone, len(local) - len(send)


def published(config: Config) -> dict[str, bytes]:
    """The bytes of every file the builds published into ``config.out`` and that is there."""
    return {name: path.read_bytes() for name, (path, _) in _local(config.out, listed(config))[0].items()}


def listed(config: Config) -> list[str]:
    """The files the builds published into ``config.out``, as the state records them: nothing else is deployed.

    Not the directory's listing: the state database, the configuration, the
    seeds or a stray ``*.tmp`` in the output directory are never uploaded.
    """
    from .build.fastpath import output

    try:
        with State(config.state, readonly=True) as state:
            ledger, names = state.ledger(), sorted(state.published())
    except sqlite3.Error:
        names = []
    if not names or ledger.out != output(config):
        raise DeployError(f"{config.out}: nothing to deploy (run 'seedfeed build' first)")
    return names


def _local(out: Path, names: Iterable[str]) -> tuple[dict[str, tuple[Path, list[int]]], list[str]]:
    """Each published file that is there: its path and [size, mtime_ns] (no file read); and those missing."""
    files, missing = {}, []
    for name in names:
        path = out / name
        try:
            info = path.stat()
        except OSError:  # lost since the build (it publishes it again), or removed by a build running now
            missing.append(name)
            continue
        files[name] = (path, [info.st_size, info.st_mtime_ns])
    return files, missing


def deploy(config: Config, settings: Settings, *, dry_run: bool = False, client: Any = None) -> Report:
    """Upload what the builds published into ``config.out`` to ``settings.to``: only what changed, in the
    safe order; raises :class:`DeployError`.

    A file whose size, mtime and headers are those it had when it was last
    uploaded (recorded in the manifest) is not read again: the build never
    rewrites an unchanged file, so a deploy after one new seed reads the few
    files that build wrote, not the whole output. An object is deleted only
    when no build publishes its file any more (:func:`plan_deploy`).
    """
    names = listed(config)
    files, missing = _local(config.out, names)
    if missing:  # only those the state still publishes, asked again after the look (a build may be removing them)
        with suppress(DeployError):
            still = set(listed(config))
            missing = [name for name in missing if name in still]
    if missing:
        log.warning(
            "%d published files are missing from %s (not uploaded, and kept in the bucket): run 'seedfeed build'",
            len(missing),
            config.out,
        )
    pages = [n for n in map(archive_number, files) if n is not None]
    newest = max(pages, default=None)
    target = settings.to
    with _errors(target, settings):
        s3 = client or _client(settings)
        manifest, seen = _manifest(s3, target)
        remote = _listing(s3, target)
        uploads = []
        for name, (path, stat) in files.items():
            kind, cache, encoding = headers(name, settings, newest)
            if name in remote and name in manifest and seen.get(name) == [*stat, kind, cache, encoding]:
                uploads.append(Upload(name, b"", kind, cache, encoding, manifest[name]))  # as uploaded: not read
            else:
                try:  # a file replaced since the stat is read whole (a build renames, never writes in place);
                    data = path.read_bytes()  # the next deploy sees its new stat, and sends it only if it differs
                except FileNotFoundError:  # a build running now removed it: the next deploy sees why
                    continue
                except OSError as exc:
                    raise DeployError(f"{path}: cannot read: {exc.strerror or exc}") from None
                uploads.append(prepare(name, data, settings, newest))
        send, gone, unchanged = plan_deploy(uploads, manifest, remote, names)
        report = Report(unchanged=unchanged, dry_run=dry_run, read=sum(1 for u in uploads if u.body))
        recorded = {u.name: [*files[u.name][1], u.content_type, u.cache_control, u.encoding] for u in uploads}
        for upload in send:
            if not dry_run:
                _put(s3, target, upload)
                manifest[upload.name] = upload.digest
            report.uploaded.append(upload.name)
            log.debug("%s %s%s", "would upload" if dry_run else "uploaded", target, upload.name)
        for name in gone:
            if not dry_run:
                s3.delete_object(Bucket=target.bucket, Key=target.prefix + name)
                manifest.pop(name, None)
            report.deleted.append(name)
            log.debug("%s %s%s", "would delete" if dry_run else "deleted", target, name)
        if not dry_run and (send or gone or any(seen.get(n) != r for n, r in recorded.items())):
            _write_manifest(s3, target, manifest, recorded)
    return report


def _put(s3: Any, target: Target, upload: Upload) -> None:
    extra: dict[str, Any] = {"ContentEncoding": upload.encoding} if upload.encoding else {}
    s3.put_object(
        Bucket=target.bucket,
        Key=target.prefix + upload.name,
        Body=upload.body,
        ContentType=upload.content_type,
        CacheControl=upload.cache_control,
        Metadata={"seedfeed-sha256": upload.digest},
        **extra,
    )


def _manifest(s3: Any, target: Target) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """What the last deploy wrote: (name → hash, name → [size, mtime_ns, headers…] of the file it came from).

    Both empty when there is no manifest, or it is unreadable.
    """
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=target.bucket, Key=target.prefix + MANIFEST)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return {}, {}
        raise
    try:
        data = json.loads(body)
        digests = {str(k): str(v) for k, v in data["objects"].items()}
        seen = {str(k): list(v) for k, v in data.get("files", {}).items()}
        return digests, seen
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("%s%s is not a seedfeed manifest: every file is sent again", target, MANIFEST)
        return {}, {}


def _write_manifest(s3: Any, target: Target, manifest: dict[str, str], seen: dict[str, list[Any]]) -> None:
    files = {name: seen[name] for name in sorted(manifest) if name in seen}
    body = json.dumps({"version": 2, "objects": dict(sorted(manifest.items())), "files": files}, indent=0).encode()
    s3.put_object(
        Bucket=target.bucket,
        Key=target.prefix + MANIFEST,
        Body=body,
        ContentType="application/json",
        CacheControl="no-store",
    )


def _listing(s3: Any, target: Target) -> set[str]:
    """The names under the prefix (one request per 1,000 objects)."""
    names = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=target.bucket, Prefix=target.prefix):
        names |= {item["Key"][len(target.prefix) :] for item in page.get("Contents", [])}
    return names


def _client(settings: Settings) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise DeployError("deploying needs boto3: pip install 'seedfeed[s3]'") from None
    config = Config(
        # Transient errors (5xx, throttling, a timeout): backoff with jitter, within Settings.patience.
        retries={"total_max_attempts": settings.attempts, "mode": "standard"},
        connect_timeout=settings.timeout,
        read_timeout=settings.timeout,
        s3={"addressing_style": "path"} if settings.endpoint_url else {},
    )
    try:
        return boto3.session.Session().client(
            "s3", endpoint_url=settings.endpoint_url, region_name=settings.region, config=config
        )
    except ValueError as exc:  # a setting boto3 refuses (botocore's own errors for them are ValueErrors too)
        raise ConfigError(f"deploy: {settings.to}: {exc}") from None


@contextmanager
def _errors(target: Target, settings: Settings) -> Iterator[None]:
    """Turn what boto3 raises into one line naming the target; never the credentials.

    :class:`ConfigError` (exit 2) for what is wrong before any request (incomplete credentials);
    :class:`DeployError` (exit 6) for what the storage refuses, or never answers.
    """
    try:
        yield
    except (DeployError, ConfigError):
        raise
    except Exception as exc:
        from botocore import exceptions as boto

        tries = f"{settings.attempts} attempts"
        if isinstance(exc, boto.PartialCredentialsError):  # e.g. AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY
            raise ConfigError(f"deploy: {target}: incomplete credentials: {exc}") from None
        if isinstance(exc, boto.ConnectTimeoutError | boto.ReadTimeoutError):
            why = f"the storage did not answer ({tries}, {settings.timeout:g} s each): gave up"
            raise DeployError(f"{target}: {why}") from None
        if isinstance(exc, boto.EndpointConnectionError):
            why = getattr(exc, "kwargs", {}).get("error", exc)
            raise DeployError(f"{target}: cannot connect to the storage after {tries}: {why}") from None
        if isinstance(exc, boto.NoCredentialsError):
            why = "no credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws, or a role)"
            raise DeployError(f"{target}: {why}") from None
        if isinstance(exc, boto.ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            why = _PERMANENT.get(code) or f"{code or 'error'} (HTTP {status})"
            raise DeployError(f"{target}: {why}") from None
        if isinstance(exc, boto.BotoCoreError):  # the endpoint unreachable after the retries, and the like
            raise DeployError(f"{target}: {type(exc).__name__}: {exc}") from None
        raise
