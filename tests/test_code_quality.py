"""The code stays as the style guide asks: ruff clean and formatted, mypy strict."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import PROJECT


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "src", "tests", "bench"],
        ["ruff", "format", "--check", "src", "tests", "bench"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_static_checks_pass(command: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", *command], cwd=PROJECT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_version_matches_pyproject() -> None:
    import tomllib

    import seedfeed

    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert seedfeed.__version__ == project["version"]
