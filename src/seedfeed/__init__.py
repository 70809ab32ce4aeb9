"""seedfeed: publish plain-text news articles as RSS 2.0 and Atom 1.0 feeds."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("seedfeed")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
