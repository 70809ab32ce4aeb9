"""WebSub publishing: tell the hub which feeds changed (``hub.mode=publish``).

A failed ping is not fatal: the build logs it and the URL stays pending in
the state database, to be sent again after the next build.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

from .config import Config
from .store.state import State

log = logging.getLogger(__name__)

TIMEOUT = 10.0


def ping(hub: str, urls: Iterable[str], timeout: float = TIMEOUT) -> list[str]:
    """POST one publish notification per URL; return the URLs whose ping failed."""
    failed: list[str] = []
    for url in urls:
        data = urlencode({"hub.mode": "publish", "hub.url": url}).encode()
        request = urllib.request.Request(
            hub, data=data, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:  # urlopen raises HTTPError for any status >= 400
            with urllib.request.urlopen(request, timeout=timeout) as response:
                log.debug("WebSub hub %s: published %s (%s)", hub, url, response.status)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.error("WebSub hub %s: ping for %s failed (%s); will retry after the next build", hub, url, exc)
            failed.append(url)
    return failed


def announce(config: Config, written: Sequence[str]) -> None:
    """Ping the hub (if any) for every subscription feed in ``written``, and every ping that failed before."""
    if not config.site.hub:
        return
    with State(config.state) as state:
        feeds = {name for name in written if "/" not in name and name.endswith((".xml", ".json"))}
        urls = sorted(state.pending_pings() | {f"{config.site.feeds_url}{name}" for name in feeds})
        if urls:
            state.set_pending_pings(ping(config.site.hub, urls))
            state.commit()
