"""Write N synthetic seed articles of the shipped seed's shape: ``python bench/corpus.py N DIR``.

Deterministic for a given N: Slovenian text with č š ž, typographic quotes
and ``…``, every credit-line form the parser knows, a related block of 1-3
stories (some of which are titles of other seeds in the corpus), file names
dated over several years.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

WORDS = (
    "vlada minister občina šola župan poslanec državni zbor predlog zakon volitve žičnica cesta "
    "promet gospodarstvo podjetje delavci plače pokojnine zdravstvo bolnišnica zdravniki čakalne "
    "vrste šport nogomet košarka olimpijske igre kultura gledališče film festival vreme poplave "
    "suša kmetje pridelek cene energija elektrika plin naložba razvoj raziskava univerza študenti"
).split()
CREDITS = (
    "vir Foto: {p} X {s}",
    "Vir: {s} Foto: {p}",
    "Foto: {p}/{s}",
    "Vir: {s}",
    "Avtor: {p}, Foto: {q}",
    "Foto {s}",
)
MARKERS = ("Ne spreglejte…", "Preberite tudi:", "Ne spreglejte...")
PEOPLE = ("Ana Kovač", "Jure Žagar", "Maja Šušteršič", "Bobo", "Jackson Hink", "Tina Čeh")
SOURCES = ("STA", "Portal24", "Delo", "Reuters", "N1", "24ur")


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    words[0] = words[0].capitalize()
    if rng.random() < 0.3:
        words[3] = f"“{words[3]}”"
    return " ".join(words) + rng.choice((".", ".", ".", "…"))


def title(rng: random.Random, index: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(4, 8))
    return " ".join(words).capitalize() + f" {index}"


def seed_text(rng: random.Random, own_title: str, titles: list[str]) -> str:
    """One seed of 1-6 KB: the body grows until the whole is at least 1 KB, and stops short of 6 KB."""
    lines = [own_title]
    for _ in range(rng.randint(2, 6)):
        lines.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 6))))
    while len("\n".join(lines).encode()) < 1200:
        lines.append(" ".join(sentence(rng) for _ in range(3)))
    while len("\n".join(lines).encode()) > 4500:
        lines.pop()
    lines.append(rng.choice(CREDITS).format(p=rng.choice(PEOPLE), q=rng.choice(PEOPLE), s=rng.choice(SOURCES)))
    lines.append(rng.choice(MARKERS))
    for _ in range(rng.randint(1, 3)):
        lines.append(rng.choice(titles) if rng.random() < 0.5 else title(rng, rng.randint(0, 10**6)))
        teaser = " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
        lines.append(teaser + (" več tukaj." if rng.random() < 0.7 else ""))
    return "\n".join(lines) + "\n"


def write_corpus(n: int, directory: Path) -> list[Path]:
    """Write ``n`` seeds into ``directory``; the same ``n`` always gives the same files."""
    rng = random.Random(n)
    directory.mkdir(parents=True, exist_ok=True)
    titles = [title(rng, i) for i in range(n)]
    start = date(2019, 1, 1)
    paths = []
    for index, own in enumerate(titles):
        day = start + timedelta(days=index * 2500 // max(n, 1))
        path = directory / f"{day.isoformat()}-clanek-{index:06d}.txt"
        path.write_text(seed_text(rng, own, titles), encoding="utf-8")
        # Dated as a newsroom's archive is, not "just now": a build probes each seed modified in the
        # last minute for a writer still holding it, which a freshly written corpus would pay in full.
        noon = datetime.combine(day, time(12), tzinfo=UTC).timestamp()
        os.utime(path, (noon, noon))
        paths.append(path)
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/corpus.py N DIR")
    write_corpus(int(sys.argv[1]), Path(sys.argv[2]))
