"""Where a stream's synchronous work runs (re-reads through the resolvers, permission checks): a pool
of LIVE_WORKER_THREADS threads, each with its own database connection, opened and closed as a request
would (`close_old_connections` before and after), so the event loop never blocks on the database."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=int(getattr(settings, "LIVE_WORKER_THREADS", 8)),
                                       thread_name_prefix="live")
        return _pool


def _in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    close_old_connections()
    try:
        return fn(*args, **kwargs)
    finally:
        close_old_connections()


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs `fn` in the live worker pool and returns its result (its exception is raised here)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool(), functools.partial(_in_thread, fn, *args, **kwargs))
