"""Personal data over time (PIPL; DESIGN.md "Personal data"): retention, download and deletion.

    anonymise_expired_bookings(*, now=None, retention_days=None) -> int     (periodic)
    export_my_data(user) -> dict                                            (the resident's download)
    delete_my_data(*, user, now=None) -> DeletionReport                     (the resident's deletion)

What a booking row stores about its resident is scrubbed: the plate number, the note, the check-in
code (replaced by a marker "~" + base-36 of the id, which no check-in can match: codes are digits)
and the calendar link secret (replaced by a fresh random one, so an old link stops working). The
rows themselves stay (resource, time, status, quantity, community), so counts and statistics keep
their figures. Standing bookings lose their plate and note the same way; the notifications of a
scrubbed booking lose the check-in code they showed. Both jobs are idempotent: a scrubbed row has
nothing left to scrub and is not touched again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from booking.models import ACTIVE, Booking, BookingStatus, StandingBooking
from booking.models.booking import new_calendar_secret
from marketplace.errors import ServiceError
from marketplace.models import User
from marketplace.models.people import new_feed_secret

from . import audit

ANONYMISED_CODE_PREFIX = "~"
BATCH = 500
ENDED = (BookingStatus.CANCELLED, BookingStatus.REJECTED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)


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
    from booking.notifications.models import Notification

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
    now = now or timezone.now()
    keep = dt.timedelta(days=retention_days) if retention_days is not None else retention()
    cutoff = now - keep
    expired = Booking.objects.filter(Q(end__lt=cutoff) | Q(status__in=ENDED, decided_at__lt=cutoff))
    scrubbed = _scrub(expired)
    StandingBooking.objects.filter(ends_on__lt=timezone.localtime(cutoff).date()).filter(
        Q(plate_number__gt="") | Q(note__gt="")).update(plate_number="", note="")
    return scrubbed


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime | dt.time) else value


def export_my_data(user: User) -> dict[str, Any]:
    """Everything stored about `user` that is theirs, as JSON-ready values (ISO dates): the profile,
    roles, bookings, standing bookings, notifications and needs they supported. Reads only."""
    from booking.notifications.models import Notification
    from matching.models.needs import NeedSupport

    memberships = user.memberships.select_related("community", "unit").order_by("role")
    bookings = Booking.objects.filter(user=user).select_related("resource").order_by("start", "pk")
    standing = StandingBooking.objects.filter(user=user).select_related("resource").order_by("pk")
    notifications = Notification.objects.filter(user=user).order_by("created_at", "pk")
    supports = NeedSupport.objects.filter(user=user).select_related("need").order_by("pk")
    return {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "username": user.username, "full_name": user.full_name, "email": user.email, "phone": user.phone,
            "birth_date": _iso(user.birth_date), "sex": user.sex, "has_disability": user.is_disabled,
            "disability_consent_at": _iso(user.disability_consent_at), "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login), "active": user.is_active,
        },
        "roles": [{"role": m.role, "community": m.community.name if m.community else None,
                   "unit": m.unit.name if m.unit else None, "verified_at": _iso(m.verified_at)}
                  for m in memberships],
        "bookings": [{"id": b.pk, "resource": b.resource.name, "start": _iso(b.start), "end": _iso(b.end),
                      "status": b.status, "quantity": b.quantity, "attendees": b.attendees,
                      "plate_number": b.plate_number, "note": b.note,
                      "check_in_code": "" if b.check_in_code.startswith(ANONYMISED_CODE_PREFIX) else b.check_in_code,
                      "created_at": _iso(b.created_at), "checked_in_at": _iso(b.checked_in_at),
                      "reason": b.status_reason} for b in bookings],
        "standing_bookings": [{"id": s.pk, "resource": s.resource.name, "weekdays": s.weekdays,
                               "start_time": _iso(s.start_time), "starts_on": _iso(s.starts_on),
                               "ends_on": _iso(s.ends_on), "active": s.active, "plate_number": s.plate_number,
                               "note": s.note} for s in standing],
        "notifications": [{"kind": n.kind, "params": {k: _iso(v) for k, v in n.params.items()},
                           "created_at": _iso(n.created_at), "read_at": _iso(n.read_at)} for n in notifications],
        "supported_needs": [{"need": s.need.title, "since": _iso(s.created_at)} for s in supports],
    }


@dataclass
class DeletionReport:
    cancelled: list[int] = field(default_factory=list)  # future bookings cancelled
    kept: list[int] = field(default_factory=list)  # active bookings past their cancellation deadline
    scrubbed: int = 0


def delete_my_data(*, user: User, now: dt.datetime | None = None) -> DeletionReport:
    """Deletes the account's personal data: cancels its future active bookings through the booking
    service (places go back, waitlists are promoted; one past its cancellation deadline is kept and
    listed in `kept`), ends its standing bookings, scrubs every booking row, deletes its
    notifications, tokens and roles, and deactivates the account with its profile emptied. The
    booking rows stay for the statistics. One transaction; audited. Idempotent."""
    from oauth2_provider.models import AccessToken, RefreshToken

    from booking.notifications.models import Notification
    from booking.services.lifecycle import cancel_booking

    now = now or timezone.now()
    report = DeletionReport()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
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
        Notification.objects.filter(user=user).delete()
        RefreshToken.objects.filter(user=user).delete()
        AccessToken.objects.filter(user=user).delete()
        user.memberships.all().delete()
        user.forget_roles()
        user.username = f"deleted-{user.pk}"
        user.first_name = user.last_name = user.full_name = user.email = user.phone = user.sex = ""
        user.birth_date = None
        user.is_disabled = False
        user.disability_consent_at = None
        user.disability_consent_by = None
        user.is_active = False
        user.feed_secret = new_feed_secret()
        user.set_unusable_password()
        user.save()
        audit.record(actor=user, action="user.delete_data", obj=user,
                     data={"cancelled": report.cancelled, "kept": report.kept})
    return report
