"""Counting misses of one person in the shared cache, to stop guessing (check-in codes).

`blocked_until(key)` says whether `key` is held back, and until when; `miss(key, ...)` counts one
miss and, at the limit, holds `key` back for a whole window. The counts live in the default cache,
which is shared by every process and machine (settings, "Caches"), so the limit holds overall.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache


def blocked_until(key: str, *, now: dt.datetime) -> dt.datetime | None:
    until = cache.get(f"throttle-block:{key}")
    return until if isinstance(until, dt.datetime) and until > now else None


def miss(key: str, *, limit: int, window: dt.timedelta, now: dt.datetime) -> dt.datetime | None:
    """Counts one miss; returns when the hold ends once `limit` misses fell within `window`."""
    seconds = int(window.total_seconds())
    count_key = f"throttle-misses:{key}"
    cache.add(count_key, 0, timeout=seconds)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.add(count_key, 1, timeout=seconds)
        count = 1
    if count < limit:
        return None
    until = now + window
    cache.set(f"throttle-block:{key}", until, timeout=seconds)
    cache.delete(count_key)
    return until
