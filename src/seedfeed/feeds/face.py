"""The feed's own face: ``site.icon`` (square) and ``site.logo`` (wide) in every format (pure).

* Atom: ``<icon>`` and ``<logo>`` (RFC 4287 §4.2.5, §4.2.8);
* RSS: ``<image>`` with the channel's title and link, and the width and
  height when they are known. RSS 2.0 allows at most 144 × 400 pixels, so
  it shows the icon, or else the logo, whichever fits; a picture whose size
  nobody measured (a URL) is taken as it is, without a width or height;
* JSON Feed: ``icon`` and ``favicon`` (both the icon);
* every HTML page: ``<link rel="icon">``.
"""

from __future__ import annotations

from html import escape

from ..model import Image, Site

#: RSS 2.0's largest ``<image>``: 144 pixels wide, 400 high.
RSS_MAX = (144, 400)


def fits_rss(picture: Image) -> bool:
    """True when RSS 2.0 allows ``picture`` in ``<image>``: measured within 144 × 400, or not measured.

    >>> fits_rss(Image("u", width=144, height=144)), fits_rss(Image("u", width=512, height=512)), fits_rss(Image("u"))
    (True, False, True)
    """
    if picture.width is None or picture.height is None:
        return True
    return picture.width <= RSS_MAX[0] and picture.height <= RSS_MAX[1]


def rss_image(site: Site) -> Image | None:
    """The picture of RSS's ``<image>``: the icon where it fits, else the logo where it fits, else none."""
    return next((p for p in (site.icon, site.logo) if p is not None and fits_rss(p)), None)


def icon_link(site: Site) -> str:
    """``<link rel="icon">`` for an HTML page's head (with its newline), or ``""`` without an icon."""
    icon = site.icon
    if icon is None:
        return ""
    kind = f' type="{escape(icon.media_type)}"' if icon.media_type else ""
    sizes = f' sizes="{icon.width}x{icon.height}"' if icon.width and icon.height else ""
    return f'<link rel="icon" href="{escape(icon.url)}"{kind}{sizes} />\n'


def faces(site: Site) -> list[Image]:
    """The site's pictures that are local files, published with the output."""
    return [p for p in (site.icon, site.logo) if p is not None and p.file is not None]
