"""The files a build publishes as they are: articles' local images and the site's icon and logo.

Each is read again when it is published, and must still be the bytes its
name was made from (:func:`seedfeed.feeds.names.asset_name`): a file edited
while the build ran is published by the next build, under its new name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import PublishError, SeedfeedError
from ..feeds.face import faces
from ..feeds.names import asset_name
from ..model import Article, Site
from ..store.publish import Content
from .unpublishable import Unpublishable

Document = tuple[str, bytes]  # (file name, bytes), as build.documents yields them
Output = tuple[str, Content]  # (file name, bytes or a worker's note that it staged them), as the writer takes them


def asset(article: Article, seeds: Path, site: Site) -> list[Document]:
    """The article's local image, read again from the seeds directory, under its published name; ``[]`` for
    none. Raises :class:`Unpublishable` if its bytes are no longer those its name was made from (it was
    edited since it was loaded: the next build publishes the new one)."""
    image = article.image
    if image is None or image.file is None or image.source is None:
        return []
    from ..ingest.images import read_image

    try:
        local = read_image(seeds, image.source, site.limits.image_bytes, seeds / image.source)
    except SeedfeedError as error:
        raise Unpublishable([article], str(error)) from None
    if asset_name(local.sha256, image.file.rpartition(".")[2]) != image.file:
        raise Unpublishable([article], f"image {image.source!r} changed while the build ran")
    return [(image.file, local.data)]


def face_files(site: Site, out: Path) -> Iterator[Document]:
    """The site's icon and logo that are local files, read again; a file gone or changed is a PublishError."""
    from ..ingest.images import read_image

    for picture in faces(site):
        assert picture.source is not None and picture.file is not None
        path = Path(picture.source)
        try:
            local = read_image(path.parent, path.name, site.limits.image_bytes, path)
        except SeedfeedError as error:
            raise PublishError(out / picture.file, str(error)) from None
        if asset_name(local.sha256, picture.file.rpartition(".")[2]) != picture.file:
            raise PublishError(out / picture.file, f"{path} changed since the settings were read")
        yield picture.file, local.data
