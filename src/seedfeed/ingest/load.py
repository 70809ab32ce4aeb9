"""One seed file → its article: read, hash, decode, parse and bound it (in a parsing worker or in the build).

Nothing here logs: a worker process's logging is not the one the command
line set up, so warnings come back as lines (:attr:`Loaded.notes`) for the
build to log, and a bad seed comes back as its reason, never as an exception
that would cross the process boundary.
"""

from __future__ import annotations

import hashlib
import logging
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, SeedError, printable
from ..model import Article, Site
from .decode import decode
from .images import LocalImage, is_local, with_local_image
from .lead_image import image_line
from .limits import within_limits
from .parse import parse_seed
from .seeds import read_seed

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Task:
    """One seed to load: its path, its size as listed, the settings, and the hash its published article has."""

    path: Path
    size: int
    site: Site
    known_sha: str | None = None


@dataclass(frozen=True, slots=True)
class Loaded:
    r"""What loading one seed gave: the SHA-256 of its bytes, and its article, or why it was rejected.

    ``article`` and ``error`` both ``None``: the bytes hash to the known
    value, so nothing was parsed. ``parsed`` says whether the parser ran
    (the build counts reads and parses on its report). For a seed with a
    local image, ``sha`` covers the image's bytes too (an edited image is an
    edited article), and ``image`` is (its path relative to the seeds
    directory, size, mtime in ns): the build ``stat``\ s it to notice an edit.
    """

    sha: str
    article: Article | None = None
    error: tuple[str, int | None] | None = None
    notes: tuple[str, ...] = ()
    parsed: bool = False
    image: tuple[str, int, int] | None = None


def load(task: Task) -> Loaded:
    """Read, hash and, unless the bytes hash to ``task.known_sha``, parse one seed; never raises SeedError."""
    sha = ""
    try:
        data = read_seed(task.path, task.size)
        sha = hashlib.sha256(data).hexdigest()
        if sha == task.known_sha:
            return Loaded(sha)
        article, notes, image = parse_bytes(data, task.path, task.site)
        if image is not None:
            sha = hashlib.sha256(f"{sha}\0{image.sha256}".encode()).hexdigest()
            stat_ = (image.source, image.size, image.mtime_ns)
            return Loaded(sha, article=article, notes=notes, parsed=True, image=stat_)
        return Loaded(sha, article=article, notes=notes, parsed=True)
    except SeedError as error:
        return Loaded(sha, error=(error.reason, error.line), parsed=bool(sha))


def parse_bytes(data: bytes, path: Path, site: Site) -> tuple[Article, tuple[str, ...], LocalImage | None]:
    """Decode, parse and bound one seed's bytes, and read its local image (relative to the seed's directory);
    the warnings come back as lines for the build to log."""
    decoded = decode(data, str(path))
    notes: list[str] = []
    if decoded.legacy_encoding:
        notes.append(f"{path}: not UTF-8; decoded as {decoded.legacy_encoding}")
    if stray := decoded.stray:
        more = f", and {stray.count - 1} more," if stray.count > 1 else ""
        where = f"{path}:{stray.line}"
        notes.append(
            f"{where}: invalid UTF-8 byte 0x{stray.byte:02X} at byte {stray.offset}{more} replaced with U+FFFD"
        )
    if decoded.removed_controls:
        notes.append(f"{path}: removed {decoded.removed_controls} control characters that XML forbids")
    article = parse_seed(decoded.text, name=path.name, site=site, path=str(path))
    article, cut = within_limits(article, site.limits, str(path))
    image = None
    if is_local(article.image):
        article, image = with_local_image(article, path.parent, site, str(path), image_line(decoded.text))
    return article, (*notes, *cut), image


def load_seed(path: Path, site: Site) -> Loaded:
    """Read one seed file anywhere and parse it (``seedfeed parse``); raises :class:`SeedError`.

    A ``path`` that names no file, or something other than a regular file
    (a directory, a FIFO), is the caller's mistake, not a bad seed:
    :class:`ConfigError` (exit 2). Its warnings are logged here: this runs
    in the command's own process.
    """
    shown = printable(str(path))
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise ConfigError(f"{shown}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{shown}: not a regular file")
    data = read_seed(path, confined=False)
    article, notes, _ = parse_bytes(data, path, site)
    for note in notes:
        log.warning("%s", note)
    return Loaded(hashlib.sha256(data).hexdigest(), article=article, notes=notes, parsed=True)
