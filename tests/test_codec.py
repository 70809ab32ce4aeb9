"""The article codec: the same dictionary as ``dataclasses.asdict``, and a lossless JSON round trip."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from seedfeed.codec import article_from_json, article_to_dict, article_to_json
from seedfeed.ingest.load import load_seed
from seedfeed.model import Site

from .conftest import SEEDS

GOOD = [p for p in sorted(SEEDS.glob("*.txt")) if not p.name.startswith("bad-") and "-13-45-" not in p.name]


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_codec_matches_asdict_and_round_trips(path: Path) -> None:
    article = load_seed(path, Site()).article
    expected = dataclasses.asdict(article)
    for key in ("published", "updated"):
        expected[key] = expected[key].isoformat() if expected[key] else None
    expected["paragraphs"] = list(expected["paragraphs"])
    expected["tags"] = list(expected["tags"])
    expected["credit_lines"] = list(expected["credit_lines"])
    expected["credits"] = list(expected["credits"])
    expected["related"] = [{**r, "teaser": list(r["teaser"])} for r in expected["related"]]
    assert article_to_dict(article) == expected
    assert article_from_json(article_to_json(article)) == article
