"""Celery tasks of the notifications app, and the on-commit publisher.

- `deliver_outbox_task(message_id)`: one delivery attempt, queued on commit by `notify`; idempotent
  (see `delivery`); acknowledged late, so a killed worker's task is redelivered and finds the claim.
- `sweep_outbox_task()`: every minute (CELERY_BEAT_SCHEDULE); delivers what is due — messages whose
  publish failed, retries after backoff, claims of lost workers. A cache lock keeps one sweep at a
  time; correctness does not depend on it (each message is claimed by a conditional UPDATE).
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from celery import shared_task
from celery.exceptions import AlwaysEagerIgnored
from django.core.cache import cache

from . import conf
from .delivery import deliver_message, purge_finished, sweep_outbox

logger = logging.getLogger(__name__)

# A dead broker must not hold a request: one quick retry, then give up (the sweeper delivers).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
PUBLISH_CONNECT_TIMEOUT = 2
SWEEP_LOCK = "notifications:sweep-outbox"


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def deliver_outbox_task(message_id: int) -> str:
    """One delivery attempt of an outbox message (skipped when sent, dead, not due or taken)."""
    return deliver_message(message_id=message_id).value


@shared_task(acks_late=True, soft_time_limit=50, time_limit=58)
def sweep_outbox_task() -> dict[str, Any]:
    """Delivers due outbox messages; a run that finds another running returns at once."""
    with singleton(SWEEP_LOCK, ttl=120) as acquired:
        if not acquired:
            return {"skipped": True}
        report = sweep_outbox()
        return {"outcomes": report.outcomes, "buried": report.buried}


@contextmanager
def singleton(name: str, *, ttl: int) -> Iterator[bool]:
    """A best-effort lock in the cache (shared by all workers when the cache is Redis); it expires
    after `ttl` seconds so a killed holder cannot block the job for ever."""
    token = uuid.uuid4().hex
    acquired = cache.add(name, token, timeout=ttl)
    try:
        yield acquired
    finally:
        if acquired and cache.get(name) == token:
            cache.delete(name)


def queue_delivery(message_ids: Sequence[int]) -> None:
    """Queues one delivery task per outbox message; registered with `transaction.on_commit`.

    Never raises: when the broker is down the failure is logged and the messages stay PENDING for
    the sweeper. With no broker configured (bare mode) the tasks run eagerly here."""
    for message_id in message_ids:
        try:
            _publish(message_id)
        except Exception:  # the request has committed; the sweeper delivers later
            logger.warning("notifications: could not queue delivery of outbox message %s; the sweeper will "
                           "send it", message_id, exc_info=True)


def _publish(message_id: int) -> None:
    app = deliver_outbox_task.app
    override = conf.broker_url()
    if not override:
        deliver_outbox_task.apply_async((message_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
        return
    with app.connection_for_write(override, connect_timeout=PUBLISH_CONNECT_TIMEOUT) as connection:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlwaysEagerIgnored)
            app.send_task(deliver_outbox_task.name, args=(message_id,), connection=connection, retry=True,
                          retry_policy=PUBLISH_RETRY_POLICY)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def purge_outbox_task() -> int:
    """Daily: deletes finished outbox messages past their keeping time (idempotent)."""
    return purge_finished()
