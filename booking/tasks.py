"""Periodic booking jobs (CELERY_BEAT_SCHEDULE). Each is idempotent and holds a singleton lock
(a cache lock; correctness never depends on it — every change is a conditional UPDATE)."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task
from django.core.cache import cache

from .services import availability, jobs, lifecycle, quota, waitlist
from .services.clock import current

LOCK_TTL = 600


def _once(name: str, job: Callable[[], int]) -> int:
    lock = f"booking:{name}"
    if not cache.add(lock, 1, LOCK_TTL):
        return 0
    try:
        return job()
    finally:
        cache.delete(lock)


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1000)
def materialise_slots_task() -> int:
    return _once("materialise", lambda: availability.materialise_all())


@shared_task(acks_late=True, soft_time_limit=240, time_limit=290)
def release_quota_task() -> int:
    return _once("release-quota", lambda: quota.release_due_quota())


@shared_task(acks_late=True, soft_time_limit=240, time_limit=290)
def expire_bookings_task() -> int:
    """Expires undecided PENDING bookings and lapses waitlists at their cutoff."""
    return _once("expire", lambda: lifecycle.expire_pending() + waitlist.lapse_waitlists(now=current(None)))


@shared_task(acks_late=True, soft_time_limit=240, time_limit=290)
def mark_no_shows_task() -> int:
    return _once("no-shows", lambda: lifecycle.mark_no_shows())


@shared_task(acks_late=True, soft_time_limit=600, time_limit=700)
def send_reminders_task() -> int:
    return _once("reminders", lambda: jobs.send_reminders())


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1000)
def extend_standing_bookings_task() -> int:
    return _once("standing", lambda: jobs.extend_standing_bookings())
