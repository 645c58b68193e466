"""API rate limits as fixed-window counters.

django-ninja's own throttles keep a list of every request's timestamp per client in the cache,
read it and write it back on every call: two round trips, a pickled list as long as the limit
(600 floats for 600/min), and lost updates when two requests of one client race. Here a limit is
one counter per client and window (``core.cache.window_hit``: one atomic round trip on Redis).
The price is the classic fixed-window edge: a client may spend a window's allowance at its end
and the next one at the start of the next window. ``wait()`` is the time left in the window,
sent as ``Retry-After``. The rate strings are ninja's ("600/min", "10/s", "1000/day").
"""

from __future__ import annotations

import time

from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, UserRateThrottle

from .cache import window_hit


class _FixedWindow:
    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)  # type: ignore[attr-defined]  # the ninja class's
        if key is None:
            return True
        duration, limit = self.duration, self.num_requests  # type: ignore[attr-defined]  # the ninja class's
        window = int(time.time() // duration)
        return bool(window_hit(f"{key}:w{window}", duration) <= limit)

    def wait(self) -> float:
        return float(self.duration - time.time() % self.duration)  # type: ignore[attr-defined]


class AnonWindowThrottle(_FixedWindow, AnonRateThrottle):
    """Anonymous calls, per client address (``get_ident``: NINJA_NUM_PROXIES decides)."""


class UserWindowThrottle(_FixedWindow, UserRateThrottle):
    """Calls per signed-in user (per address for the anonymous)."""
