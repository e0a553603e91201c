"""Periodic work besides expiry, no-shows and quota release: reminders and standing bookings.

    send_reminders(*, now=None) -> int           the evening before (REMINDER, once per booking)
    extend_standing_bookings(*, now=None) -> int books occurrences whose booking window has opened
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from booking.models import Booking, BookingStatus, StandingBooking
from core.clock import at, current, local_date
from core.errors import ServiceError

from .bookings import BookingRequest, _bookable_occurrence, _count, _insert, _validate_for
from .counters import CodeClash
from .notify import tell

REMINDER_HOUR = 18  # the evening before, local time


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """Tells owners of tomorrow's CONFIRMED and PENDING bookings, once per booking (unique key),
    from 18:00 the evening before."""
    now = current(now)
    today = local_date(now)
    if now < at(today, dt.time(REMINDER_HOUR)):
        return 0
    tomorrow = today + dt.timedelta(days=1)
    due = Booking.objects.filter(status__in=(BookingStatus.CONFIRMED, BookingStatus.PENDING),
                                 start__gte=at(tomorrow, dt.time()), start__lt=at(tomorrow + dt.timedelta(days=1),
                                                                                    dt.time()))
    sent = 0
    for booking in due.select_related("user", "resource"):
        with transaction.atomic():
            tell(booking=booking, kind="REMINDER", effect="reminder", now=now)
        sent += 1
    return sent


def extend_standing_bookings(*, now: dt.datetime | None = None) -> int:
    """Books each active standing booking's occurrences whose booking window has opened since; an
    occurrence that is closed, full or refused by a rule is skipped (best effort, one transaction
    per occurrence). Idempotent: an occurrence already booked is not booked again."""
    now = current(now)
    made = 0
    for standing in StandingBooking.objects.filter(active=True, ends_on__gte=local_date(now)).select_related(
            "resource", "user", "booked_by"):
        resource = standing.resource
        last = min(standing.ends_on, local_date(resource.last_bookable_moment(now)))
        day = max(standing.starts_on, local_date(now))
        while day <= last:
            if day.weekday() in standing.weekdays:
                made += _book_occurrence(standing, at(day, standing.start_time), now)
            day += dt.timedelta(days=1)
    return made


def _book_occurrence(standing: StandingBooking, start: dt.datetime, now: dt.datetime) -> int:
    if Booking.objects.filter(standing=standing, start=start).exists():
        return 0
    try:
        with transaction.atomic():
            slot = _bookable_occurrence(standing.resource, start, now)
            if slot is None:
                return 0
            _validate_for(standing.resource, standing.user, [slot], now, None, standing=False)
            request = BookingRequest(resource=standing.resource, start=start, quantity=standing.quantity,
                                     note=standing.note, plate_number=standing.plate_number)
            booking = _insert(standing.resource, slot, standing.user, request, standing.plate_number, now,
                              booked_by=standing.booked_by, standing=standing)
            _count(standing.resource, [booking], join_waitlist=False)
            if booking.status == BookingStatus.CONFIRMED:
                tell(booking=booking, kind="BOOKING_CONFIRMED", effect="confirmed", now=now)
            return 1
    except (ServiceError, CodeClash):
        return 0  # refused, or a code clash: the next run tries again
