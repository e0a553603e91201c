"""Django's PostgreSQL backend, reading `timestamptz` columns with psycopg's C loader.

Django registers its own `timestamptz` loader on every connection: a Python subclass of psycopg's
pure-Python loader that replaces the parsed value's `tzinfo` with the connection's zone. Being a
subclass, it cannot use the C implementation that psycopg-binary provides, and parsing in Python
costs about 6 µs per value: a week of 20 canteens' slots (1,120 instants) spent a fifth of its
request there (docs/BENCHMARKS.md, "The request path").

The health check (CONN_HEALTH_CHECKS) is Django's, without its round trip when the answer is plain:
Django sends `SELECT 1` on the first use of a persistent connection in each request, a statement of
its own for every API request. A connection that is idle, not broken and whose socket has nothing to
read is used as it is: when the server restarts or ends a session it sends its reason and closes the
socket, which then polls readable, and only then (or when poll is not available) does `SELECT 1` decide.
A server that vanishes without a word (no end of file reaches the socket) fails the request's first
statement instead of the check, and that request answers 503 UNAVAILABLE; Django closes such a
connection after the request (`close_if_unusable_or_obsolete`) and the next one reconnects.

When Django's connection zone is UTC (USE_TZ without a per-database TIME_ZONE: always here) the C
loader already returns what Django's does — the session's TimeZone is UTC (Django sets it when it
connects), so values come back with `datetime.timezone.utc` — so this backend registers the C loader
instead. `FastUtcLoader` is a Python class only for Django's sake: `create_cursor` compares the
registered loader's `timezone` attribute with the connection's, and a C type cannot carry one;
instantiating it gives psycopg the C loader itself. Anything else (another zone, psycopg without
its C part) keeps Django's loader. ENGINE `core.db.postgresql` (config/settings.py picks it).
"""

from __future__ import annotations

import datetime as dt
import select
from functools import lru_cache
from typing import Any

from django.db.backends.postgresql import base
from psycopg import adapt, pq
from psycopg.types.datetime import TimestamptzLoader

try:
    from psycopg_binary._psycopg import TimestamptzLoader as CTimestamptzLoader  # type: ignore[attr-defined]
except ImportError:  # psycopg without its C part: Django's loader stays
    CTimestamptzLoader = None


class FastUtcLoader(TimestamptzLoader):
    """Registered in place of Django's UTC loader; constructing it yields psycopg's C loader."""

    timezone = dt.UTC

    def __new__(cls, oid: int, context: Any = None) -> Any:  # type: ignore[misc]
        return CTimestamptzLoader(oid, context)


@lru_cache
def fast_adapters(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
    """Django's adapters (one map per zone, cached there too) with the C timestamptz loader."""
    adapters = adapt.AdaptersMap(template)
    adapters.register_loader("timestamptz", FastUtcLoader)
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # set by Django's BaseDatabaseWrapper; not in django-stubs
    health_check_done: bool
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        if CTimestamptzLoader is not None and self.timezone == dt.UTC and "context" in params:
            params["context"] = fast_adapters(params["context"])
        return params

    def close_if_health_check_failed(self) -> None:
        # Django calls this before every cursor: the cheap tests first, as its own method orders them
        checking = self.health_check_enabled and not self.health_check_done
        if checking and self.connection is not None and not self.pool and quiet(self.connection):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def quiet(connection: Any) -> bool:
    """True when `connection` (psycopg) is open, idle outside a transaction and the server has sent
    nothing since its last answer: usable without asking it."""
    if connection.closed or connection.broken or not hasattr(select, "poll"):
        return False
    if connection.info.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
    return not poller.poll(0)  # readable (a message, end of file) or an error/hang-up event: ask
