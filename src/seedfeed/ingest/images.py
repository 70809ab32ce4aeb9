"""A seed's local lead image: read it without trusting it, and measure it (in the load workers).

The file must be a regular file inside the seeds directory (a symlink is
followed only when it resolves inside it, and where the kernel says the open
descriptor points is checked again), at most ``[limits] image_bytes``, and
an image browsers show: JPEG, PNG, GIF, WebP or AVIF. Pillow reads its
format, width and height from the header; nothing is decoded.

Its published name is decided with every other file name
(:func:`seedfeed.feeds.names.asset_name`): from the SHA-256 of its bytes, so
a changed file is a new name and a cache may keep each name forever.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import SeedError
from ..feeds.names import asset_name
from ..model import Article, Image, Site
from .seeds import _PROC_FD, _kind

#: The formats browsers and feed readers show, as Pillow names them → (media type, file extension).
WEB_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
    "AVIF": ("image/avif", "avif"),
}


@dataclass(frozen=True, slots=True)
class LocalImage:
    """A local image as read: its path relative to the seeds directory, size and mtime (for the fast path's
    ``stat``), the SHA-256 of its bytes, and its bytes."""

    source: str
    size: int
    mtime_ns: int
    sha256: str
    data: bytes


def read_image(seeds: Path, source: str, limit: int, where: str | Path) -> LocalImage:
    """The bytes of ``seeds/source``, refused unless it is a regular file inside ``seeds`` of at most ``limit``
    bytes; raises :class:`SeedError` naming ``where``."""
    root = os.path.realpath(seeds)
    path = Path(seeds) / source
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        raise SeedError(where, f"image {source!r}: no such file in the seeds directory ({exc.strerror})") from None
    if not Path(real).is_relative_to(root):
        raise SeedError(where, f"image {source!r} leads outside the seeds directory: not read")
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise SeedError(where, f"image {source!r}: cannot read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SeedError(where, f"image {source!r} is not a regular file: {_kind(info.st_mode)}")
        if info.st_size > limit:
            raise _too_large(where, source, info.st_size, limit)
        _confined(fd, root, source, where)
        data = b""
        while chunk := os.read(fd, limit + 1 - len(data)):
            data += chunk
            if len(data) > limit:  # it grew after fstat
                raise _too_large(where, source, len(data), limit)
    except OSError as exc:
        raise SeedError(where, f"image {source!r}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)
    return LocalImage(source, info.st_size, info.st_mtime_ns, hashlib.sha256(data).hexdigest(), data)


def measure(data: bytes, source: str, where: str | Path) -> tuple[str, str, int, int]:
    """(media type, file extension, width, height) of an image's bytes, read from its header by Pillow."""
    from PIL import Image as Pillow  # imported only by a seed with a local image

    try:
        with warnings.catch_warnings():
            # The pixel count guards decoding, which never happens here: any size is only measured.
            warnings.simplefilter("ignore", Pillow.DecompressionBombWarning)
            with Pillow.open(io.BytesIO(data)) as picture:
                kind, (width, height) = picture.format, picture.size
    except Pillow.DecompressionBombError:
        raise SeedError(where, f"image {source!r} has too many pixels to be shown") from None
    except Exception:  # Pillow raises many kinds for bytes that are no image it knows
        raise SeedError(where, f"image {source!r} is not an image (JPEG, PNG, GIF, WebP or AVIF)") from None
    if kind not in WEB_FORMATS:
        raise SeedError(where, f"image {source!r} is {kind}: browsers show JPEG, PNG, GIF, WebP or AVIF")
    media_type, extension = WEB_FORMATS[kind]
    return media_type, extension, width, height


def with_local_image(
    article: Article, seeds: Path, site: Site, where: str | Path, line: int | None = None
) -> tuple[Article, LocalImage]:
    """The article with its local image read, measured and given its published name and URL.

    Raises :class:`SeedError` naming ``where`` and the ``image:`` line.
    """
    image = article.image
    assert image is not None and image.source is not None
    try:
        local = read_image(seeds, image.source, site.limits.image_bytes, where)
        media_type, extension, width, height = measure(local.data, image.source, where)
    except SeedError as error:
        raise SeedError(where, error.reason, line) from None
    name = asset_name(local.sha256, extension)
    measured = replace(
        image,
        url=site.feeds_url + name,
        media_type=media_type,
        width=width,
        height=height,
        length=local.size,
        file=name,
    )
    return replace(article, image=measured), local


def picture_file(path: Path, limit: int, feeds_url: str) -> Image:
    """The image file at ``path`` (the site's icon or logo), read, measured and named as it is published.

    Raises :class:`SeedError` naming ``path`` when it is no image to publish.
    """
    local = read_image(path.parent, path.name, limit, path)
    media_type, extension, width, height = measure(local.data, path.name, path)
    name = asset_name(local.sha256, extension)
    return Image(
        feeds_url + name,
        media_type=media_type,
        width=width,
        height=height,
        length=local.size,
        file=name,
        source=str(path),
    )


def is_local(image: Image | None) -> bool:
    """True for an image the seed names by a path: published with the feeds."""
    return image is not None and image.source is not None


def _confined(fd: int, root: str, source: str, where: str | Path) -> None:
    """Where the kernel says ``fd`` points must be inside ``root`` (Linux ``/proc``): a symlink swapped in
    after the check still cannot publish a file from elsewhere."""
    try:
        target = (_PROC_FD / str(fd)).readlink()
    except OSError:  # no /proc: the check of the resolved path is the one that holds
        return
    if not target.is_relative_to(root):
        raise SeedError(where, f"image {source!r} leads outside the seeds directory: not read")


def _too_large(where: str | Path, source: str, size: int, limit: int) -> SeedError:
    return SeedError(where, f"image {source!r} is too large: {size} bytes (the limit is {limit}: limits.image_bytes)")
