"""Periodic marketplace jobs (CELERY_BEAT_SCHEDULE).

`anonymise_personal_data_task()`: daily; scrubs the personal data of bookings past the retention
(settings.PERSONAL_DATA_RETENTION_DAYS). Idempotent; a cache lock keeps one run at a time
(correctness never depends on it: a scrubbed row is not touched again).
"""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from marketplace.services.personal_data import anonymise_expired_bookings
from marketplace.services.task_deliveries import purge_deliveries

LOCK = "marketplace:anonymise-personal-data"
LOCK_TTL = 3600


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def anonymise_personal_data_task() -> int:
    """Returns how many bookings were scrubbed (0 when another run holds the lock)."""
    if not cache.add(LOCK, 1, LOCK_TTL):
        return 0
    try:
        return anonymise_expired_bookings()
    finally:
        cache.delete(LOCK)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def purge_task_deliveries_task() -> int:
    """Daily: forgets delivery counters of task messages not started for a week (idempotent)."""
    return purge_deliveries()
