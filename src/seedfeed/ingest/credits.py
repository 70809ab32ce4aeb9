"""A credit line → structured credits (pure).

``vir Foto: Jackson Hink X Portal24`` has two labels: ``vir`` (source) with
no value of its own and ``Foto:`` (photo). The photo value names a person,
then the platform the photo came through (``X``), then what is left over
(``Portal24``), which fills the earlier empty label. So the line means:
source Portal24; photo Jackson Hink, via X.
"""

from __future__ import annotations

import re

from ..model import Credit, Role
from .lexicon import ALL_LABELS, LABEL_RE, PLATFORM_RE

_SPLIT_RE = re.compile(r"\s*(?:[,;|·]|\s&\s)\s*")
_TRIM = " \t,;|·–—-"
_AGENCY_RE = re.compile(r"(?<=\w)\s*/\s*(?=\w)")  # "Bobo/STA", "Bobo / STA"; not "</i>"


def is_strong_credit_line(line: str) -> bool:
    """A line that is a credit wherever it stands: ``Foto: …`` or ``vir Foto …``."""
    first = LABEL_RE.match(line)
    if first is None:
        return False
    return bool(first.group(2)) or LABEL_RE.match(line, first.end()) is not None


def is_weak_credit_line(line: str) -> bool:
    """A short colon-less line starting with a label (``Foto STA``).

    Only a credit at the end of the body: elsewhere it may be a sub-heading.
    """
    if LABEL_RE.match(line) is None:
        return False
    return len(line.split()) <= 6 and not line.rstrip().endswith((".", "!", "?", "\u2026"))


def parse_credit_line(line: str) -> tuple[Credit, ...]:
    """Structured credits of one credit line, in the order of their labels.

    >>> parse_credit_line("Vir: STA Foto: Bobo")
    (Credit(role='source', name='STA', via=None), Credit(role='photo', name='Bobo', via=None))
    """
    segments = _segments(line)
    filled: list[list[tuple[str, str | None]]] = [[] for _ in segments]
    leftovers: list[str] = []
    for index, (_, value) in enumerate(segments):
        for part in _SPLIT_RE.split(value):
            name, via, rest = _name_via_rest(part.strip(_TRIM))
            if name:
                filled[index].append((name, via))
            if rest:
                leftovers.append(rest)
    for index, (_, value) in enumerate(segments):
        if not value and leftovers:
            filled[index].append((leftovers.pop(0), None))
    credits = [
        Credit(role, name, via) for (role, _), names in zip(segments, filled, strict=True) for name, via in names
    ]
    credits += [Credit("source", rest) for rest in leftovers]
    return tuple(dict.fromkeys(credits))


def _segments(line: str) -> list[tuple[Role, str]]:
    """Split a credit line at its labels: ``[(role, value), …]``.

    After the first label, a label word only counts when it carries a colon or
    follows another label directly, so names such as "Ana Vir" stay names.
    """
    accepted: list[re.Match[str]] = []
    for match in LABEL_RE.finditer(line):
        if not accepted:
            if match.start() != 0:
                return []
            accepted.append(match)
        elif match.group(2) or not line[accepted[-1].end() : match.start()].strip():
            accepted.append(match)
    segments: list[tuple[Role, str]] = []
    for match, following in zip(accepted, [*accepted[1:], None], strict=True):
        end = following.start() if following else len(line)
        role = ALL_LABELS[match.group(1).casefold()]
        segments.append((role, line[match.end() : end].strip(_TRIM + "/")))
    return segments


def _name_via_rest(part: str) -> tuple[str, str | None, str]:
    """``"Jackson Hink X Portal24"`` → ``("Jackson Hink", "X", "Portal24")``; ``"Bobo/STA"`` → via STA."""
    agency = _AGENCY_RE.search(part)
    if agency:
        return part[: agency.start()].strip(_TRIM), part[agency.end() :].strip(_TRIM) or None, ""
    platform = PLATFORM_RE.search(part)
    if platform is None or platform.start() == 0:
        return part, None, ""
    return part[: platform.start()].strip(_TRIM), platform.group(0), part[platform.end() :].strip(_TRIM)
