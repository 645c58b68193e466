"""A fixed-window rate limiter on the Django cache (Redis in production).

It fails open: while Redis is unreachable ``ResilientRedisCache`` (lyceum/core/cache.py) answers
``add`` with True, so every hit counts as the first of its window and nothing is refused. An
outage must not lock members out of posting; the limits come back with Redis."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/min"`` -> (10, 60)."""
    count, _, unit = rate.partition("/")
    if unit not in _UNITS or not count.isdigit():
        raise ValueError(f"bad rate {rate!r}; use N/s, N/min, N/h or N/day")
    return int(count), _UNITS[unit]


def hit(key: str, rate: str) -> bool:
    """Count one hit for ``key``; False when the limit for the current window is used up."""
    limit, window = parse_rate(rate)
    bucket = f"rl:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add() and incr()
        cache.add(bucket, 1, timeout=window + 1)
        return True
    return count <= limit


def client_ip(request) -> str:  # type: ignore[no-untyped-def]
    """The visitor's address: the trusted proxy's header when behind one, else REMOTE_ADDR."""
    header = settings.LYCEUM_CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(header, "").strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "") or "unknown"
