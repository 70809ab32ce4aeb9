"""``seedfeed serve``: the output directory over HTTP, for feed readers and browsers."""

from __future__ import annotations

from .app import CONNECTION_LIMIT, FeedApp, close_server, create_server, run_server

__all__ = ["CONNECTION_LIMIT", "FeedApp", "close_server", "create_server", "run_server"]
