"""``require``: a missing program is a stated skip on a fresh machine, and a failure where CI requires it."""

from __future__ import annotations

import pytest

from .conftest import REQUIRE, require

REASON = "nginx is not on PATH"


@pytest.mark.parametrize("required", [None, "", "w3c,chromium", " w3c , chromium "])
def test_a_missing_program_skips_with_its_reason_when_it_is_not_required(monkeypatch, required) -> None:
    if required is None:
        monkeypatch.delenv(REQUIRE, raising=False)
    else:
        monkeypatch.setenv(REQUIRE, required)
    with pytest.raises(pytest.skip.Exception, match=f"^{REASON}$"):
        require("nginx", False, REASON)


@pytest.mark.parametrize("required", ["nginx", "w3c,chromium,nginx", " chromium , nginx "])
def test_a_missing_program_fails_when_seedfeed_require_names_it(monkeypatch, required) -> None:
    monkeypatch.setenv(REQUIRE, required)
    with pytest.raises(pytest.fail.Exception, match=f"^{REASON}, and {REQUIRE} requires nginx$"):
        require("nginx", False, REASON)


@pytest.mark.parametrize("required", [None, "w3c,chromium,nginx"])
def test_a_program_that_is_there_neither_skips_nor_fails(monkeypatch, required) -> None:
    if required is None:
        monkeypatch.delenv(REQUIRE, raising=False)
    else:
        monkeypatch.setenv(REQUIRE, required)
    require("nginx", True, REASON)


def test_a_misspelt_name_in_seedfeed_require_fails_even_when_everything_is_there(monkeypatch) -> None:
    monkeypatch.setenv(REQUIRE, "w3c,chromuim,nginx")
    with pytest.raises(pytest.fail.Exception, match=r"names \['chromuim'\]"):
        require("nginx", True, REASON)
