"""What the booking app holds about a person (PIPL), registered with marketplace's personal-data
registry (`marketplace.services.personal_data`): bookings, standing bookings and notifications.

What a booking row stores about its resident is scrubbed: the plate number, the note, the check-in
code (replaced by a marker "~" + base-36 of the id, which no check-in can match: codes are digits)
and the calendar link secret (replaced by a fresh random one, so an old link stops working). The
rows themselves stay (resource, time, status, quantity, community), so counts and statistics keep
their figures. Standing bookings lose their plate and note the same way; the notifications of a
scrubbed booking lose the check-in code they showed. Both jobs are idempotent: a scrubbed row has
nothing left to scrub and is not touched again.

    anonymise_expired_bookings(*, now=None, retention_days=None) -> int     (periodic)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from booking.models import ACTIVE, FINAL, Booking, BookingStatus, StandingBooking
from booking.models.booking import new_calendar_secret
from booking.notifications.models import Notification
from core.clock import current, local_date
from core.errors import ServiceError
from marketplace.models import User
from marketplace.services.personal_data import DeletionReport, PersonalDataHolder, iso

from .lifecycle import cancel_booking

ANONYMISED_CODE_PREFIX = "~"
BATCH = 500


def retention() -> dt.timedelta:
    """settings.PERSONAL_DATA_RETENTION_DAYS (default 180)."""
    return dt.timedelta(days=int(getattr(settings, "PERSONAL_DATA_RETENTION_DAYS", 180)))


def anonymised_code(booking_id: int) -> str:
    """A 6-character marker unique per booking id below 36**5 (and per slot in practice)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    n, out = booking_id % 36**5, ""
    for _ in range(5):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return ANONYMISED_CODE_PREFIX + out


def _not_scrubbed() -> Q:
    return Q(plate_number__gt="") | Q(note__gt="") | ~Q(check_in_code__startswith=ANONYMISED_CODE_PREFIX)


def _scrub(bookings: QuerySet[Booking]) -> int:
    """Scrubs the given bookings' personal fields, in batches, each in its own transaction."""
    done = 0
    while True:
        ids = list(bookings.filter(_not_scrubbed()).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return done
        with transaction.atomic():
            for booking in Booking.objects.select_for_update().filter(pk__in=ids):
                booking.plate_number = ""
                booking.note = ""
                booking.check_in_code = anonymised_code(booking.pk)
                booking.calendar_secret = new_calendar_secret()
                booking.save(update_fields=["plate_number", "note", "check_in_code", "calendar_secret"])
            for notification in Notification.objects.filter(booking_id__in=ids, params__has_key="code"):
                notification.params = {k: v for k, v in notification.params.items() if k != "code"}
                notification.save(update_fields=["params"])
        done += len(ids)


def anonymise_expired_bookings(*, now: dt.datetime | None = None, retention_days: int | None = None) -> int:
    """Periodic: scrubs bookings that ended (slot over) or were cancelled/rejected more than the
    retention ago, and the plate and note of standing bookings that ended that long ago.
    Returns the number of bookings scrubbed. Idempotent; never raises for data."""
    now = current(now)
    keep = dt.timedelta(days=retention_days) if retention_days is not None else retention()
    cutoff = now - keep
    expired = Booking.objects.filter(Q(end__lt=cutoff) | Q(status__in=FINAL, decided_at__lt=cutoff))
    scrubbed = _scrub(expired)
    StandingBooking.objects.filter(ends_on__lt=local_date(cutoff)).filter(
        Q(plate_number__gt="") | Q(note__gt="")).update(plate_number="", note="")
    return scrubbed


def export_bookings(user: User) -> dict[str, Any]:
    bookings = Booking.objects.filter(user=user).select_related("resource").order_by("start", "pk")
    standing = StandingBooking.objects.filter(user=user).select_related("resource").order_by("pk")
    notifications = Notification.objects.filter(user=user).order_by("created_at", "pk")
    return {
        "bookings": [{"id": b.pk, "resource": b.resource.name, "start": iso(b.start), "end": iso(b.end),
                      "status": b.status, "quantity": b.quantity, "attendees": b.attendees,
                      "plate_number": b.plate_number, "note": b.note,
                      "check_in_code": "" if b.check_in_code.startswith(ANONYMISED_CODE_PREFIX) else b.check_in_code,
                      "created_at": iso(b.created_at), "checked_in_at": iso(b.checked_in_at),
                      "reason": b.status_reason} for b in bookings],
        "standing_bookings": [{"id": s.pk, "resource": s.resource.name, "weekdays": s.weekdays,
                               "start_time": iso(s.start_time), "starts_on": iso(s.starts_on),
                               "ends_on": iso(s.ends_on), "active": s.active, "plate_number": s.plate_number,
                               "note": s.note} for s in standing],
        "notifications": [{"kind": n.kind, "params": {k: iso(v) for k, v in n.params.items()},
                           "created_at": iso(n.created_at), "read_at": iso(n.read_at)} for n in notifications],
    }


def erase_bookings(user: User, now: dt.datetime, report: DeletionReport) -> None:
    """Cancels the person's future active bookings through the booking service (places go back,
    waitlists are promoted; one past its cancellation deadline is kept and listed in `kept`), ends
    their standing bookings, scrubs every booking row (the rows stay for the statistics) and deletes
    their notifications. Runs inside the caller's transaction."""
    for booking in Booking.objects.filter(user=user, status__in=ACTIVE, start__gt=now).exclude(
            status=BookingStatus.CHECKED_IN).order_by("start", "pk"):
        try:
            with transaction.atomic():
                cancel_booking(actor=user, booking=booking, reason="", now=now)
            report.cancelled.append(booking.pk)
        except ServiceError:
            report.kept.append(booking.pk)
    StandingBooking.objects.filter(user=user).update(active=False, plate_number="", note="")
    report.scrubbed = _scrub(Booking.objects.filter(user=user))
    # a reason is free text and may name the person (theirs when cancelling, a unit's when refusing)
    Booking.objects.filter(user=user).exclude(status_reason="").update(status_reason="")
    Notification.objects.filter(user=user).delete()


HOLDER = PersonalDataHolder(name="booking", export=export_bookings, erase=erase_bookings)
