"""Periodic marketplace jobs (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from core.locks import periodic_task
from marketplace.services.task_deliveries import purge_deliveries


@periodic_task(lock="marketplace:purge-task-deliveries", soft_time_limit=300, time_limit=360)
def purge_task_deliveries_task() -> int:
    """Daily: forgets delivery counters of task messages not started for a week (idempotent)."""
    return purge_deliveries()
