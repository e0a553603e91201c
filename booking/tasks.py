"""Periodic booking jobs (CELERY_BEAT_SCHEDULE). Each is idempotent and holds the singleton lock of
`core.locks` (correctness never depends on it — every change is a conditional UPDATE)."""

from __future__ import annotations

from core.clock import current
from core.locks import periodic_task

from .services import availability, jobs, lifecycle, personal_data, quota, waitlist


@periodic_task(lock="booking:materialise", soft_time_limit=900, time_limit=1000)
def materialise_slots_task() -> int:
    return availability.materialise_all()


@periodic_task(lock="booking:release-quota", soft_time_limit=240, time_limit=290)
def release_quota_task() -> int:
    return quota.release_due_quota()


@periodic_task(lock="booking:expire", soft_time_limit=50, time_limit=58)
def expire_bookings_task() -> int:
    """Expires undecided PENDING bookings and lapses waitlists at their cutoff. Beat runs it every minute;
    each booking is its own transaction, so a run cut short leaves the rest to the next one, and a short
    limit keeps the lock of a worker killed mid-run short."""
    return lifecycle.expire_pending() + waitlist.lapse_waitlists(now=current(None))


@periodic_task(lock="booking:no-shows", soft_time_limit=240, time_limit=290)
def mark_no_shows_task() -> int:
    return lifecycle.mark_no_shows()


@periodic_task(lock="booking:reminders", soft_time_limit=600, time_limit=700)
def send_reminders_task() -> int:
    return jobs.send_reminders()


@periodic_task(lock="booking:standing", soft_time_limit=900, time_limit=1000)
def extend_standing_bookings_task() -> int:
    return jobs.extend_standing_bookings()


@periodic_task(lock="booking:anonymise-personal-data", soft_time_limit=1800, time_limit=1900)
def anonymise_personal_data_task() -> int:
    """Daily: scrubs the personal data of bookings past the retention
    (settings.PERSONAL_DATA_RETENTION_DAYS); returns how many bookings were scrubbed."""
    return personal_data.anonymise_expired_bookings()
