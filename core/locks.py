"""One singleton lock for periodic jobs: at most one run of a job at a time across every worker.

The lock lives in the shared cache (the database cache by default, Redis in production), so it holds
across processes and machines. Only its holder releases it: the value is a random token and the
release deletes the key only while it still holds that token. Its lifetime must be longer than the
task's hard time limit (`singleton_task` sets it so), so a run that is still going can never find its
lock expired and taken by a second run; a killed holder's lock expires by itself.

Correctness of our jobs never depends on the lock (every change they make is a conditional UPDATE or
idempotent); it saves duplicated work.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from celery import shared_task
from django.core.cache import cache

T = TypeVar("T")
MARGIN_S = 5  # the lock outlives the task's hard limit by this much (a killed holder blocks no longer)


def _holder_died(value: object) -> bool:
    """Whether a lock value names a process of this host that no longer runs."""
    if not isinstance(value, str) or value.count(":") < 2:
        return False
    host, pid, _ = value.split(":", 2)
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Lock:
    """A named lock held by one token; `release()` is a no-op for anyone but the holder."""

    def __init__(self, name: str, ttl: int) -> None:
        if ttl <= 0:
            raise ValueError("a lock needs a positive lifetime")
        self.key = f"lock:{name}"
        self.ttl = ttl
        # who holds it: a process on a host, so a process of the same host can see that the holder died
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.held = False

    def acquire(self) -> bool:
        self.held = bool(cache.add(self.key, self.token, timeout=self.ttl))
        if not self.held and _holder_died(cache.get(self.key)):
            # a holder killed on this host (kill -9, OOM) cannot release: take the lock over at once
            # instead of waiting for it to expire; holders on other hosts are left to expiry
            cache.delete(self.key)
            self.held = bool(cache.add(self.key, self.token, timeout=self.ttl))
        return self.held

    def release(self) -> None:
        # get-then-delete is not atomic, but the lock cannot expire between them while the task is
        # inside its time limit (ttl > hard limit), so only the holder ever reaches the delete.
        if self.held and cache.get(self.key) == self.token:
            cache.delete(self.key)
        self.held = False


@contextmanager
def singleton(name: str, *, ttl: int) -> Iterator[bool]:
    """`with singleton("job", ttl=...) as acquired:` — acquired is False when another run holds it."""
    lock = Lock(name, ttl)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


def periodic_task(*, lock: str, soft_time_limit: int, time_limit: int, skipped: Any = 0
                  ) -> Callable[[Callable[..., T]], Any]:
    """A Celery task for a periodic job: acknowledged late, with these time limits, its body run under
    `singleton(lock)` with a lifetime above `time_limit`; returns `skipped` when another run holds it."""
    if soft_time_limit >= time_limit:
        raise ValueError("the soft time limit must be below the hard one")

    def decorate(body: Callable[..., T]) -> Any:
        @functools.wraps(body)
        def run(*args: Any, **kwargs: Any) -> T:
            with singleton(lock, ttl=time_limit + MARGIN_S) as acquired:
                if not acquired:
                    return skipped  # type: ignore[no-any-return]
                return body(*args, **kwargs)

        task = shared_task(acks_late=True, soft_time_limit=soft_time_limit, time_limit=time_limit)(run)
        task.singleton_lock = lock
        task.skipped_result = skipped
        return task

    return decorate
