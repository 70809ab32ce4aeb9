"""Front matter ``image:``, ``image_alt:`` and ``image_credit:`` → the article's lead :class:`Image` (pure).

A local image is only named here; the loader reads and measures it
(:mod:`.images`).
"""

from __future__ import annotations

import re

from ..errors import SeedError
from ..model import Credit, Image
from .slug import http_url

#: A remote image's media type, from its name: nobody measured it, so its name is all there is.
_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def remote_image_type(url: str) -> str | None:
    """The media type of a remote image from its name, ``None`` when the name does not say: nothing is fetched.

    >>> remote_image_type("https://cdn.example.si/a/Logo.PNG?v=2"), remote_image_type("https://x.si/img")
    ('image/png', None)
    """
    path = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1].lower()
    return next((t for suffix, t in _IMAGE_TYPES.items() if path.endswith(suffix)), None)


def lead_image(front: dict[str, tuple[int, str]], credits: list[Credit], where: str) -> Image | None:
    """The lead image of front matter ``image:``, ``image_alt:`` and ``image_credit:``.

    An http(s) URL is the image; anything else is a path relative to the
    seeds directory, checked here for its shape (no ``..``, not absolute) and
    read by the loader (:mod:`.images`), which fills in its URL. The credit
    is ``image_credit:``, else the seed's photo credits.
    """
    if "image" not in front:
        for key in ("image_alt", "image_credit"):
            if key in front:
                raise SeedError(where, f"front matter: {key!r} but no 'image'", front[key][0])
        return None
    lineno, value = front["image"]
    alt = front["image_alt"][1] if "image_alt" in front else None
    photos = [f"{c.name} ({c.via})" if c.via else c.name for c in credits if c.role == "photo"]
    credit = front["image_credit"][1] if "image_credit" in front else ", ".join(photos) or None
    if _SCHEME.match(value):
        try:
            url = http_url(value)
        except ValueError as exc:
            raise SeedError(where, f"front matter: {value!r} {exc}", lineno) from None
        return Image(url, alt=alt, credit=credit, media_type=remote_image_type(url))
    parts = value.replace("\\", "/").split("/")
    if value.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise SeedError(
            where,
            f"front matter: image {value!r} is neither an http(s) URL nor a path inside the seeds directory",
            lineno,
        )
    return Image("", alt=alt, credit=credit, source="/".join(parts))


def image_line(text: str) -> int | None:
    """The line of a seed's front matter ``image:``, to name it when the image is refused; else ``None``.

    >>> image_line("---\\ntitle: T\\nimage: a.png\\n---\\nT\\nBody."), image_line("T\\nimage: body text")
    (3, None)
    """
    lines = text.lstrip("\ufeff").split("\n")
    start = next((n for n, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].strip() != "---":
        return None
    for n, line in enumerate(lines[start + 1 :], start + 2):
        if line.strip() == "---":
            return None
        if line.partition(":")[0].strip().lower() == "image":
            return n
    return None
