"""Celery tasks of the notifications app, and the on-commit publisher.

- `deliver_outbox_task(message_id)`: one delivery attempt, queued on commit by `notify`; idempotent
  (see `delivery`); acknowledged late, so a killed worker's task is redelivered and finds the claim.
- `sweep_outbox_task()`: every minute (CELERY_BEAT_SCHEDULE); delivers what is due — messages whose
  publish failed, retries after backoff, claims of lost workers. A cache lock keeps one sweep at a
  time; correctness does not depend on it (each message is claimed by a conditional UPDATE).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from core.locks import periodic_task

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


@periodic_task(lock=SWEEP_LOCK, soft_time_limit=10, time_limit=12, skipped={"skipped": True})
def sweep_outbox_task() -> dict[str, Any]:
    """Delivers due outbox messages for at most 8 s (the rest wait for the next run, every minute); a run
    that finds another running returns at once. Short limits keep the singleton lock short too, so a
    worker killed mid-sweep holds deliveries back for seconds, not minutes (the lock is shared)."""
    report = sweep_outbox(budget_seconds=8.0)
    return {"outcomes": report.outcomes, "buried": report.buried}


@periodic_task(lock="notifications:purge-outbox", soft_time_limit=300, time_limit=360)
def purge_outbox_task() -> int:
    """Daily: deletes finished outbox messages past their keeping time (idempotent)."""
    return purge_finished()
