"""The package's folders show the pipeline, and the layers only look down.

ingest → (config) → feeds → plan → store → build → the commands around it.
A module may import its own layer and the layers below, never one above:
the parser cannot reach the state, the renderer cannot reach the build.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import PROJECT

PACKAGE = PROJECT / "src" / "seedfeed"

#: Bottom to top. A module's layer is its longest matching prefix.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("seedfeed", "seedfeed.model", "seedfeed.errors", "seedfeed.codec", "seedfeed.progress"),
    ("seedfeed.ingest",),
    ("seedfeed.config", "seedfeed.checks"),  # checks settings with the parser's rules
    ("seedfeed.feeds",),
    ("seedfeed.plan",),  # names the documents a build owes with feeds' naming rules
    ("seedfeed.store",),
    ("seedfeed.websub", "seedfeed.build"),
    ("seedfeed.scheduler", "seedfeed.watch", "seedfeed.deploy", "seedfeed.serve"),
    ("seedfeed.cli", "seedfeed.__main__"),
)

#: Imports that cross upward on purpose, each with its reason.
EXCEPTIONS = {
    # The entry-size limit measures the content exactly as the feeds will carry it.
    ("seedfeed.ingest.limits", "seedfeed.feeds.content"),
    # A local image is named where every published file is named.
    ("seedfeed.ingest.images", "seedfeed.feeds.names"),
}

#: Modules allowed past the size limit: data tables, not logic.
TABLES = {"seedfeed.ingest.lexicon"}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _layer(module: str) -> int:
    best, depth = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = index, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS"
    return best


def _imports(module: str, path: Path) -> set[str]:
    """Every seedfeed module ``module`` imports, at the top or inside a function."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            found |= {n if n in MODULES else target for n in names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name == "seedfeed" or name.startswith("seedfeed.")}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_layer_and_those_below(module: str) -> None:
    upward = {
        target
        for target in _imports(module, MODULES[module])
        if _layer(target) > _layer(module) and (module, target) not in EXCEPTIONS
    }
    assert not upward, f"{module} imports from a higher layer: {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_longer_than_a_reader_can_hold(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert module in TABLES or lines <= MAX_LINES, f"{module}: {lines} lines (the limit is {MAX_LINES})"


def _name_literals(path: Path) -> list[str]:
    """String constants that look like published file names (no spaces; an archive, topic or feed suffix)."""
    markers = ("archive/", "tags/", "sources/", ".atom.xml", ".rss.xml")
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and " " not in node.value
        and any(marker in node.value for marker in markers)
    ]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "seedfeed.feeds.names"))
def test_file_names_are_decided_only_in_feeds_names(module: str) -> None:
    assert _name_literals(MODULES[module]) == [], f"{module} spells out a published file name"


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from ..store.state import State\n\ndef f():\n    from ..build import build\n")
    assert _imports("seedfeed.ingest.probe", probe) == {"seedfeed.store.state", "seedfeed.build"}
    assert _layer("seedfeed.ingest.probe") < _layer("seedfeed.store.state") < _layer("seedfeed.build")
