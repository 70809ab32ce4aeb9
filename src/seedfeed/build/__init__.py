"""The one orchestrator: list the seeds, record what changed, publish the documents it affects.

Cost follows change. A seed file whose size and mtime are unchanged is not
read; one whose bytes are unchanged is not parsed again (the state database
keeps its article); when no article changed, nothing is rendered or written,
and feedgen and feedparser are not even imported. A bad seed is reported
with its path and reason at every build until it is fixed; it costs only
itself. The stages live beside this module: :mod:`.fastpath` (nothing to
do?), :mod:`.changes` (recording), :mod:`.documents` (the producers),
:mod:`.blame` (a failing document), :mod:`.workers` (the process pools).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..config import Config
from ..errors import SeedError, StateError
from ..feeds.face import faces
from ..ingest.seeds import Scan
from ..plan.plan import Plan, Unit, plan
from ..store.lock import DEFAULT_WAIT, build_lock
from ..store.publish import Writer
from ..store.state import Ledger, State
from .fastpath import (
    Sweep,
    asset_users,
    changed_images,
    content_switch,
    fingerprints,
    lacks_main,
    list_seeds,
    output,
    owed_by,
    scan_digest,
    sweep,
    unchanged,
)
from .run import Run

if TYPE_CHECKING:  # the stages that do work are imported by a build that has work to do
    from .blame import Published
    from .changes import Changes

log = logging.getLogger(__name__)

__all__ = ["Report", "build"]


@dataclass(frozen=True, slots=True)
class Report:
    """What one build did; ``cli`` turns it into a summary line and an exit code.

    ``seeds`` counts every entry of the seeds directory named like a seed: the
    published ones and the rejected ones, whatever the reason. ``read`` and
    ``parsed`` count the work: seed files read, and of those the ones parsed.
    """

    seeds: int
    articles: int
    entries: int
    new: int
    changed: int
    removed: int
    rejected: tuple[SeedError, ...]
    written: tuple[str, ...]
    deleted: tuple[str, ...] = ()  # published files this build removed (a topic's last article went)
    read: int = 0
    parsed: int = 0


def build(
    config: Config,
    *,
    now: datetime | None = None,
    wait: float = DEFAULT_WAIT,
    progress: bool = False,
    changed: Collection[str] | None = None,
    announce: bool = True,
    writer: Writer | None = None,
) -> Report:
    """Publish the feeds of ``config.seeds`` into ``config.out``.

    ``changed``, when given, names the only seed files that may have changed
    since the last build (``--watch`` is told by the operating system): they
    are looked at, and the rest of the directory is not listed again.
    ``announce=False`` leaves the WebSub pings to the caller
    (:func:`seedfeed.websub.announce`), for a deploy that makes the change
    visible later. ``writer`` puts the documents on disk (default: atomic
    files, :mod:`seedfeed.store.publish`).

    ``now`` is the time recorded for seeds seen or changed in this build;
    ``progress`` shows a bar on stderr for the slow steps (the CLI decides).
    Only one build at a time works on one output directory: a second one
    waits up to ``wait`` seconds for the lock, then raises :class:`BusyError`.
    Raises :class:`ConfigError` when there is no seed to read,
    :class:`PublishError` when the feeds cannot be written (the previous
    ones then stay in place), and :class:`StateError` when the state database
    cannot be written. A corrupt state database is moved aside with a warning
    and the build runs again from a new one: the published feeds keep every
    entry's dates and archive page (:mod:`seedfeed.store.record`).
    """
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    run = Run(config, moment.astimezone(ZoneInfo(config.site.timezone)), progress, writer or Writer())
    with build_lock(config.out, wait):
        try:
            report = _build(run, changed)
        except sqlite3.Error as exc:
            from ..store.health import is_corrupt, reason, set_aside, unreadable

            if not (is_corrupt(exc) or unreadable(config.state)):
                raise StateError(config.state, reason(exc)) from None
            set_aside(config.state, exc, moment)
            try:  # once more, from a new state database, a full listing and the published feeds
                report = _build(run, None)
            except sqlite3.Error as again:
                raise StateError(config.state, reason(again)) from None
    if announce and config.site.hub:  # after the lock is released: a slow hub never holds up the next build
        from .. import websub  # urllib and http.client: imported only where there is a hub

        websub.announce(config, report.written)  # pings that failed before are retried, even if nothing was written
    return report


def _build(run: Run, changed: Collection[str] | None) -> Report:
    """The stages: list, fast path, plan, load and record, owe, publish, done.

    A full build looks for lost output (published files missing or changed) while it lists the seeds;
    a build told what changed leaves that to the next full one.
    """
    if changed is not None:
        return _stages(run, changed, None)
    lost = sweep(run.config)
    try:
        return _stages(run, changed, lost)
    finally:
        lost.close()


def _stages(run: Run, changed: Collection[str] | None, lost: Sweep | None) -> Report:
    settings, rendering = fingerprints(run.config.site)
    listing = list_seeds(run.config, changed, settings)
    for error in listing.rejected:
        log.error("%s", error)
    # A build told what changed skips the scan digest (its listing is in another order than a
    # scan's, so it could not match one) and records none: the next full scan takes the slow path.
    digest = None if listing.changed is not None else scan_digest(listing.files, rendering)
    images = changed_images(run.config)  # an edited image, its seed's bytes unchanged: read that seed again
    quiet = digest is not None and not listing.rejected and not images
    if quiet and digest is not None and lost is not None and (last := unchanged(run.config, digest, lost)) is not None:
        log.debug("no seed file changed since the last build: nothing read, rendered or written")
        return _report(run, _seeds(listing), listing.rejected, last.articles)
    with State(run.config.state) as state:
        ledger = state.ledger()
        # A build killed while publishing leaves its ledger owing: only then can temporary files be left.
        run = replace(run, tidy=ledger.owed is not None or ledger.out != output(run.config))
        work = _plan(state, listing, ledger.settings == settings, images)
        changes = _load(run, state, listing, work)
        seeds, unlisted = _seeds(listing), listing.rejected
        current = Ledger(settings, rendered=rendering, out=output(run.config))
        owed = _owe(run, state, ledger, work, changes, current)  # changes.affected, with what else is owed
        del listing, work  # at 100,000 seeds, tens of MB not to hold while publishing
        # Told what changed (--watch): lost output is left to the next full build. Another output:
        # every document is owed there (_owe), and the state forgot what the sweep looked for.
        missing = [] if lost is None or ledger.out not in (None, current.out) else lost.result()
        published = _publish(run, state, owed, missing)
        rejected = (*unlisted, *changes.rejected, *published.rejected)
        # A build with rejected seeds records no scan digest: they are reported again next time.
        owing = state.ledger()  # as _owe left it: publishing makes no archive page
        done = replace(
            current,
            scan=None if rejected else digest,
            articles=state.count(),
            pages=owing.pages,
            language=owing.language,
        )
        state.set_ledger(done)
        state.commit()
    return _report(run, seeds, unlisted, done.articles, changes, published)


def _plan(state: State, listing: Scan, settings_unchanged: bool, images: frozenset[str]) -> Plan:
    """Which seeds to read and which to forget: the listing against what the last build recorded, and the
    seeds whose local image changed."""
    known, bad = state.known_files()
    if listing.changed is None:
        work = plan(listing.files, known, bad, settings_unchanged)
    else:
        names = listing.changed  # only the changed names can differ: compare those, not 100,000 entries
        mine = {n: listing.files[n] for n in names if n in listing.files}
        work = plan(mine, {n: known[n] for n in names if n in known}, bad & names, True)
    again = (images & listing.files.keys()) - set(work.read)
    return replace(work, read=tuple(sorted({*work.read, *again}))) if again else work


def _load(run: Run, state: State, listing: Scan, work: Plan) -> Changes:
    """Forget the seeds that went, read and record those to read, and store this build's listing."""
    from .changes import forget, record, recover

    log.debug(
        "%d seeds in %s, %d to read, %d gone", len(listing.files), run.config.seeds, len(work.read), len(work.drop)
    )
    recovered = recover(run.config, state) if state.is_new() else None
    gone = forget(state, work.drop)
    changes = record(run, state, work.read, listing.files, not work.everything, recovered)
    changes.removed = gone.removed
    changes.affected |= gone.affected
    # Every listed file now has its row. What the listing changed is stored: at 100,000 seeds,
    # a few names rather than the whole listing again (marshal and a 6 MB row).
    changed = listing.changed
    if changed is None and not work.everything:  # a full scan: the names it differs from the last listing in
        changed = frozenset((*work.read, *work.drop))
    state.set_known_files(listing.files, changed)
    return changes


def _owe(run: Run, state: State, ledger: Ledger, work: Plan, changes: Changes, current: Ledger) -> set[Unit] | None:
    """Commit what was recorded, and the documents it makes this build owe; ``None``: nothing is owed.

    The set returned is ``changes.affected`` with what else is owed added: at 100,000 articles, one set
    of units is 4 MB, so the build makes no other.

    ``current`` holds this build's fingerprints of the settings.

    Until the feeds are published, the ledger says which documents are owed:
    a build killed after this commit leaves that work to the next. The state
    is committed before publishing: what it records (first sightings, edit
    times, archive pages) then stays the same if publishing fails, and the
    next build renders the same feeds again. A new ``[feeds]`` content choice, and nothing
    else new, owes only the feeds it changes: the subscription feeds and archive pages, or
    the topic feeds, or both (never the article pages, the index or the OPML).
    """
    switch = content_switch(ledger.rendered, current.rendered)  # [feeds] content: only the feeds it changes
    restyle = ledger.rendered != current.rendered and switch is None  # e.g. a new site title: every document
    moved = ledger.out is not None and ledger.out != current.out  # another output: nothing there is known
    if moved:
        state.forget_published()
    corpus = bool(changes.new or changes.changed or changes.removed or changes.withdrawn or work.everything)
    language = _language(run, state, ledger) if corpus or restyle or ledger.language is None else ledger.language
    relang = language != ledger.language  # every document declares it: every document again
    everything = work.everything or restyle or moved or relang
    owed = set(ledger.owed) if ledger.owed is not None else None
    switched = switch is not None and any(switch)
    if corpus or everything or switched:
        from .changes import archive_overflow

        site = run.config.site
        affected = changes.affected
        affected |= {Unit.page(k) for k in archive_overflow(state, site.limit, site.page_size)}
        if switch is not None and switch[0]:  # the subscription feeds are rendered whenever anything is owed
            affected |= {Unit.page(k) for k in state.pages()}
        if switch is not None and switch[1]:
            affected |= {Unit.topic(kind, key) for kind, key in state.topic_counts()}
        if everything:
            affected |= {Unit.page(k) for k in state.pages()}
            affected |= {Unit.topic(kind, key) for kind, key in state.topic_counts()}
            affected |= {Unit.article(slug) for slug in state.slugs()}
        affected |= ledger.owed or frozenset()
        owed = affected
    pages = state.page_count()
    recorded = frozenset(owed) if owed is not None else None  # the ledger's copy, gone once it is written
    state.set_ledger(
        replace(current, owed=recorded, articles=state.count(), pages=pages, out=ledger.out, language=language)
    )
    state.commit()
    return owed


def _language(run: Run, state: State, ledger: Ledger) -> str | None:
    """The one language of every document: ``site.language``, else the corpus's most common (one indexed query).

    Decided for the whole corpus, not per document: otherwise ``atom.xml`` could
    say ``en`` while an archive page says ``de``. Only the rendering uses it; an
    article's own language is detected with the settings as configured.
    """
    decided = run.config.site.language or state.corpus_language()
    if ledger.language is not None and decided != ledger.language:
        log.info("the feeds' language is %s (was %s): every document is rendered again", decided, ledger.language)
    return decided


def _publish(run: Run, state: State, owed: set[Unit] | None, lost: list[str]) -> Published:
    """Publish what is owed and what is ``lost`` (missing from the output or changed there); nothing when neither.

    The state then records every file published (size, mtime, hash) and
    forgets those removed: the next build checks them with one ``stat`` each.
    A build told which seeds changed (``--watch``) looks for nothing lost: the
    full builds (the first, and ``--every``'s ticks) do.
    """
    from .blame import Published, publish_guarded

    units, main = owed_by(lost)
    units |= asset_users(state, lost)
    main = main or any(picture.file in lost for picture in faces(run.config.site))  # the subscription publishes it
    if lost:
        log.info("%d published files are missing or changed in %s: publishing them again", len(lost), run.config.out)
    if owed is None and not units and not main and not lacks_main(run.config.out):
        log.debug("no article changed: nothing rendered, nothing written")
        return Published()
    if owed is not None:  # one set of units, which publishing may add to
        owed |= units
        units = owed
    published = publish_guarded(run, state, units)
    state.record_published(published.files, published.dropped)
    return published


def _seeds(listing: Scan) -> int:
    """How many seed files the listing found, rejected ones included."""
    return len(listing.files) + len(listing.rejected)


def _report(
    run: Run,
    seeds: int,
    unlisted: tuple[SeedError, ...],
    articles: int,
    changes: Changes | None = None,
    published: Published | None = None,
) -> Report:
    """The report of a build; without ``changes`` and ``published``, of one that took the fast path."""
    entries = min(articles, run.config.site.limit)
    if changes is None or published is None:
        return Report(seeds, articles, entries, new=0, changed=0, removed=0, rejected=unlisted, written=())
    return Report(
        seeds=seeds,
        articles=articles,
        entries=entries,
        new=changes.new,
        changed=changes.changed,
        removed=changes.removed,
        rejected=(*unlisted, *changes.rejected, *published.rejected),
        written=published.written,
        deleted=published.deleted,
        read=changes.read,
        parsed=changes.parsed,
    )
