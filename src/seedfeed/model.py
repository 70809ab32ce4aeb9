"""The one data model every stage shares: seeds parse into it, feeds render from it.

Frozen dataclasses, no I/O and no logic: ``seedfeed parse --json`` is
``dataclasses.asdict`` of an :class:`Article`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Role = Literal["author", "photo", "source"]
#: What an entry carries: ``"full"`` the article's body, ``"summary"`` only its lead (a teaser).
ContentMode = Literal["full", "summary"]


@dataclass(frozen=True, slots=True)
class Credit:
    """Who made or supplied part of an article.

    ``via`` is the platform or agency a credit came through (``X`` in
    ``Foto: Jackson Hink X``), or ``None`` when the seed does not say.
    """

    role: Role
    name: str
    via: str | None = None


@dataclass(frozen=True, slots=True)
class RelatedStory:
    """One story of the related block ("Ne spreglejte…") that ends a news page.

    ``url`` is only ever a URL somebody gave: the seed's own (a URL in the
    related block, or a ``related:`` front matter line), else, when the build
    resolves it, the corpus article with the same title, else the site's
    configured ``related_url`` pattern. ``None``: nobody said where the story
    is, and it is published as its title and teaser, without a link.
    ``link_text`` is the trailing phrase that marked the link (``več tukaj``).
    """

    title: str
    teaser: tuple[str, ...] = ()
    url: str | None = None
    link_text: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """An article's lead image, as the seed gives it and as the feeds publish it.

    ``url`` is absolute, as published: the seed's own http(s) URL, or, for a
    local file (``source``, its path relative to the seeds directory), the
    URL of the copy published with the feeds under ``file``, a name that
    changes when the bytes do (:func:`seedfeed.feeds.names.asset_name`).
    ``width``, ``height`` and ``length`` (bytes) are only ever measured, so
    only a local file has them; a remote image's ``media_type`` comes from
    its name, or is ``None``. ``credit`` is the seed's ``image_credit:``,
    else its photo credits; ``alt`` its ``image_alt:``.
    """

    url: str
    alt: str | None = None
    credit: str | None = None
    media_type: str | None = None
    width: int | None = None
    height: int | None = None
    length: int | None = None
    file: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One seed article, ready to become a feed entry.

    ``id`` and ``slug`` come from the seed's file name only, so editing the
    title never changes them. ``link`` is the seed's own ``url:``; ``""``
    when it gives none, until the build decides where the entry links
    (:func:`seedfeed.plan.links.entry_link`: the site's pattern, or the
    article page seedfeed publishes). ``published`` is ``None`` until the build fills
    it from the state database when neither front matter nor file name has a
    date; ``updated`` equals ``published`` until the seed's bytes change.

    The editor's words stay the editor's: ``related_heading`` is the line
    that opened the related block as the seed wrote it (``Pročitajte i:``),
    and ``credit_lines`` the credit lines as written (``Bild: Christoph
    Soeder/dpa``); ``credits`` holds the same credits as structured data.
    ``day_only`` says the seed gave a day but no time of day: ``published``
    is then the start of that day until the date policy
    (:mod:`seedfeed.plan.dates`) knows better.
    """

    id: str
    slug: str
    link: str
    title: str
    language: str
    paragraphs: tuple[str, ...]
    credits: tuple[Credit, ...] = ()
    related: tuple[RelatedStory, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    image: Image | None = None
    related_heading: str | None = None
    credit_lines: tuple[str, ...] = ()
    day_only: bool = False

    @property
    def lead(self) -> str:
        """The first body paragraph: the entry's summary."""
        return self.paragraphs[0]

    def credits_by(self, role: Role) -> tuple[Credit, ...]:
        """The credits with ``role``, in the order the seed gives them."""
        return tuple(c for c in self.credits if c.role == role)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one article may put in the feeds (``[limits]`` in ``seedfeed.toml``).

    A seed with more than ``paragraphs`` body paragraphs, or whose entry
    content would exceed ``entry_bytes`` of HTML, is rejected: cutting the
    body would publish something the article did not say. Related stories
    beyond ``related``, credits beyond ``credits`` and tags beyond ``tags``
    are left out with a warning, and the article is published (each tag is
    a topic feed: one seed with 3,000 tags once published 12,008 files). The
    seed file itself may be at most 1 MiB (``decode.MAX_SEED_BYTES``), and a
    local lead image at most ``image_bytes``: a larger one rejects the seed.
    """

    related: int = 20
    credits: int = 20
    tags: int = 20
    paragraphs: int = 500
    entry_bytes: int = 256 * 1024
    image_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Site:
    """What the feeds say about the publisher; built from ``seedfeed.toml``.

    ``language`` ``None`` means "the most common language of the articles".
    ``id_prefix`` is the stable half of every entry id: set it once and never
    change it, or every reader shows every article again. ``hub`` is a WebSub
    hub URL: the feeds then carry ``<link rel="hub">`` and changes are pinged.
    ``limit`` entries are in the subscription feeds; older ones are in RFC 5005
    archive pages of ``page_size`` entries. ``article_url`` (say
    ``https://novice.example.si/{yyyy}/{mm}/{slug}``) is where the site's own
    articles live, for every seed that gives no ``url:``; without it, seedfeed
    publishes a page for each such article and the entry links to it.
    ``related_url`` (say
    ``https://example.org/{slug}``) links a related story that no seed
    gives a URL for and no corpus article matches; without it such a story
    has no link. ``icon`` (square) and ``logo`` (wide) are the feed's face
    (:mod:`seedfeed.feeds.face`): a URL, or a local file published like a
    lead image (``file``, its published name; ``source``, its absolute path).
    ``entry_author`` writes ``author`` on every entry without
    an author credit, for readers that do not inherit the feed's author.
    ``content`` (``[feeds]`` in ``seedfeed.toml``) is what an entry of the
    subscription feeds and their archive pages carries: ``"full"``, the body;
    ``"summary"``, the lead paragraph alone. ``topic_content`` is the same for
    the tag and source feeds; ``None`` means "as ``content``".
    """

    title: str = "seedfeed"
    description: str = "News articles published with seedfeed"
    base_url: str = "https://example.org/"
    feeds_url: str = "https://example.org/feeds/"
    id_prefix: str = "tag:example.org,2026:"
    language: str | None = None
    author: str = "seedfeed"
    timezone: str = "UTC"
    limit: int = 50
    page_size: int = 50
    topic_min: int = 1
    hub: str | None = None
    related_url: str | None = None
    article_url: str | None = None
    icon: Image | None = None
    logo: Image | None = None
    entry_author: bool = True
    sources: tuple[tuple[str, str], ...] = field(default=())
    limits: Limits = Limits()
    content: ContentMode = "full"
    topic_content: ContentMode | None = None
