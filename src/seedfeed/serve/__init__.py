"""``seedfeed serve``: the output directory over HTTP, for feed readers and browsers.

:mod:`.app` is the WSGI application (files, caching), :mod:`.negotiate` decides
what a request gets (feed or page, gzip, 304), :mod:`.server` runs it in waitress.
"""

from __future__ import annotations

from .app import FeedApp
from .server import CONNECTION_LIMIT, close_server, create_server, run_server

__all__ = ["CONNECTION_LIMIT", "FeedApp", "close_server", "create_server", "run_server"]
