"""seedfeed: publish plain-text news articles as RSS 2.0 and Atom 1.0 feeds."""

from __future__ import annotations

#: Kept equal to ``pyproject.toml``'s version by ``tests/test_code_quality.py``. A literal, not
#: ``importlib.metadata``: that import alone costs a no-change rebuild 40 ms.
__version__ = "0.1.0"
