"""What services call: `publish_on_commit(topic, payload)`.

The event goes out after the surrounding transaction commits (immediately outside one), never after a
rollback. Publishing never fails or slows the caller for long: the broker's own short timeout bounds
it, an error is logged, and after a failure publishing is skipped for LIVE_BACKOFF_SECONDS (a live
update is a hint to re-read; the data itself is already committed).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from .brokers import Event, get_broker

logger = logging.getLogger("core.live")
_state = {"down_until": 0.0}
_state_lock = threading.Lock()


def publish_now(events: Iterable[Event]) -> bool:
    """Publishes at once; False (logged) when the broker failed or is backing off."""
    items = list(events)
    if not items:
        return True
    if time.monotonic() < _state["down_until"]:
        return False
    try:
        get_broker().publish_many(items)
        return True
    except Exception as exc:  # noqa: BLE001 - never fail the caller: its data is committed
        with _state_lock:
            _state["down_until"] = time.monotonic() + float(getattr(settings, "LIVE_BACKOFF_SECONDS", 5))
        logger.warning("live updates: publishing failed (%s); skipped for a while", exc)
        return False


def publish_on_commit(topic: str, payload: dict[str, Any], *, using: str | None = None) -> None:
    transaction.on_commit(functools.partial(publish_now, [(topic, payload)]), using=using, robust=True)


def publish_many_on_commit(events: Iterable[Event], *, using: str | None = None) -> None:
    transaction.on_commit(functools.partial(publish_now, list(events)), using=using, robust=True)
