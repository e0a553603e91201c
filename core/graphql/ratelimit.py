"""Per-user mutation rate limits, cache-backed (fixed windows).

Checked inside every mutation resolver, so one request with many aliased mutations counts each one.
Configure with settings.GRAPHQL_MUTATION_RATE = {"limit": N, "window": seconds}. On Redis (production)
a count costs one round trip.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

DEFAULT_RATE = {"limit": 60, "window": 60}


def hit(*, key: str, now: dt.datetime) -> dt.datetime | None:
    """Counts one mutation by `key`; returns None when allowed, else when the window ends (RATE_LIMITED)."""
    rate = {**DEFAULT_RATE, **getattr(settings, "GRAPHQL_MUTATION_RATE", {})}
    limit, window = int(rate["limit"]), int(rate["window"])
    window_start = int(now.timestamp()) // window * window
    cache_key = f"gql-rate:{key}:{window_start}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    count = _redis_count(backend, cache_key, window + 5) if isinstance(backend, RedisCache) else None
    if count is None:
        cache.add(cache_key, 0, timeout=window + 5)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # evicted between add and incr
            cache.set(cache_key, 1, timeout=window + 5)
            count = 1
    if count > limit:
        return dt.datetime.fromtimestamp(window_start + window, tz=dt.UTC)
    return None


def _redis_count(backend: Any, cache_key: str, timeout: int) -> int | None:
    """On Redis, the window's counter made if missing and incremented in one round trip (a pipeline of
    SET NX EX and INCR) instead of Django's three (SET NX, EXISTS, INCRBY); the key and the stored value
    are the ones the cache API would use. None when the backend does not expose its client."""
    try:
        key = backend.make_and_validate_key(cache_key)
        client = backend._cache.get_client(key, write=True)
    except AttributeError:
        return None
    with client.pipeline(transaction=False) as pipe:
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        _created, count = pipe.execute()
    return int(count)
