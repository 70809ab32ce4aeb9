"""Every ``>>>`` example in the package's docstrings runs and holds, wherever its module lives.

The modules are found by walking the installed ``seedfeed`` package, not by
path, so moving a module into a subpackage keeps its examples running; a
floor on the number of examples makes sure the walk did not quietly find none.
(This replaces ``--doctest-modules``, which with ``testpaths = ["tests"]``
never reached ``src``.)
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil

import pytest

import seedfeed

#: The examples in ``src/seedfeed`` when this test was written (``grep -r '>>>' src | wc -l``):
#: removing one is a decision, so it lowers this number in the same commit.
EXAMPLES = 59


def _raise(name: str) -> None:
    raise ImportError(f"cannot import {name} to look for its subpackages")  # walk_packages would skip it quietly


def modules() -> list[str]:
    """Every module of the package; ``__main__`` is left out, importing it runs the command line."""
    found = pkgutil.walk_packages(seedfeed.__path__, "seedfeed.", onerror=_raise)
    return sorted(module.name for module in found if module.name.rpartition(".")[2] != "__main__")


def examples(name: str) -> list[doctest.DocTest]:
    """The docstring examples defined in module ``name`` (not those of names it imports)."""
    return [test for test in doctest.DocTestFinder().find(importlib.import_module(name)) if test.examples]


@pytest.mark.parametrize("name", modules())
def test_the_docstring_examples_of_every_module_hold(name: str) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)  # as --doctest-modules ran them
    report = io.StringIO()
    for test in examples(name):
        runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()


def test_the_walk_finds_at_least_the_examples_there_are() -> None:
    found = {name: sum(len(test.examples) for test in examples(name)) for name in modules()}
    assert sum(found.values()) >= EXAMPLES, found
