"""The second line of defence: when a document fails, find the article responsible and publish the rest.

Parsing validates every field with the verifier's rules, so this should
never run. If it does, each article of the failing document is rendered and
verified alone; those that fail are rejected (with the verifier's reason)
and everything else is published. If no article fails alone, the build
fails as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import PublishError, SeedError
from ..feeds import FORMATS
from ..model import Article, Site
from ..plan.plan import Unit
from ..store.rows import FileRecord
from ..store.state import State
from .changes import reject
from .documents import publish_units
from .render import verify_document
from .run import Run
from .unpublishable import Unpublishable


@dataclass(frozen=True, slots=True)
class Published:
    """What publishing did: the files written and removed, and the seeds rejected because they failed it."""

    written: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    rejected: tuple[SeedError, ...] = ()
    files: dict[str, FileRecord] = field(default_factory=dict)  # every document published, as on disk now
    dropped: tuple[str, ...] = ()  # every file that should no longer exist


def publish_guarded(run: Run, state: State, units: set[Unit]) -> Published:
    """:func:`~.documents.publish_units`, rejecting any article that makes a document fail, then the rest again.

    ``units`` is the caller's to give: the units of a rejected article's documents are added to it (at
    100,000 articles a copy would be 4 MB more).
    """
    rejected: list[SeedError] = []
    while True:
        try:
            done = publish_units(run, state, units)
            outcome = done.outcome
            return Published(
                tuple(outcome.written), tuple(done.removed), tuple(rejected), outcome.files, tuple(done.dropped)
            )
        except Unpublishable as failure:
            culprits = _culprits(failure.articles, run.config.site)
            if not culprits:
                raise PublishError(run.config.out, failure.reason) from failure
            owners = state.slug_owners(article.slug for article, _ in culprits)
            for article, reason in culprits:
                name = owners.get(article.slug)
                if name is None:
                    raise PublishError(run.config.out, failure.reason) from failure
                page = state.rows([name])[name].page
                units |= {Unit.topic(kind, key) for kind, key in state.topics_of([name])}
                if page is not None:
                    units.add(Unit.page(page))
                error = SeedError(run.config.seeds / name, f"cannot be published: {reason}")
                rejected.append(reject(state, error, name, run.now))
            ledger = state.ledger()
            state.set_ledger(replace(ledger, scan=None, owed=frozenset(units), articles=state.count()))
            state.commit()


def _culprits(articles: list[Article], site: Site) -> list[tuple[Article, str]]:
    """The articles that fail to render or verify in a feed of their own, with the reason."""
    from ..feeds.atomrss import render_feeds
    from ..feeds.names import MAIN

    found: list[tuple[Article, str]] = []
    for article in articles:
        try:
            documents = render_feeds([article], site, MAIN)  # every paged format
            for fmt in FORMATS:
                if fmt.render is not None:
                    documents[fmt.main] = fmt.render([article], site, article.language)
        except Exception as exc:  # any failure of this one article is its own
            found.append((article, f"rendering failed: {exc}"))
            continue
        for name, data in documents.items():
            try:
                verify_document(name, data)
            except Exception as exc:
                found.append((article, f"{name} failed verification: {exc}"))
                break
    return found
