"""What every stage of one build is given: the settings, the build's clock, and how to write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..store.publish import Writer


@dataclass(frozen=True, slots=True)
class Run:
    """One build's constants.

    ``now`` is the time recorded for seeds seen or changed in this build, in
    the site's time zone; ``progress`` shows a bar on stderr for the slow
    steps; ``writer`` puts documents on disk (a test gives one that fails).
    ``tidy``: the output may hold temporary files of a build that was killed
    (the last build did not finish, or the state is new), so the writer
    looks for them in each directory it writes to; otherwise it does not
    list ``articles/``'s 100,000 entries to find none.
    """

    config: Config
    now: datetime
    progress: bool = False
    writer: Writer = field(default_factory=Writer)
    tidy: bool = True
