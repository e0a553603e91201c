"""Per-user mutation rate limits, cache-backed (fixed windows).

Checked inside every mutation resolver, so one request with many aliased mutations counts each one.
Configure with settings.GRAPHQL_MUTATION_RATE = {"limit": N, "window": seconds}.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache

DEFAULT_RATE = {"limit": 60, "window": 60}


def hit(*, key: str, now: dt.datetime) -> dt.datetime | None:
    """Counts one mutation by `key`; returns None when allowed, else when the window ends (RATE_LIMITED)."""
    rate = {**DEFAULT_RATE, **getattr(settings, "GRAPHQL_MUTATION_RATE", {})}
    limit, window = int(rate["limit"]), int(rate["window"])
    window_start = int(now.timestamp()) // window * window
    cache_key = f"gql-rate:{key}:{window_start}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        return dt.datetime.fromtimestamp(window_start + window, tz=dt.UTC)
    return None
