"""What happens to a booking after it is made: cancel, decide, expire, check in, no-show.

Every function is one transaction; a place freed by a cancellation, rejection, expiry or no-show is
given back by conditional UPDATE and the slot's waitlist is promoted in the same transaction.

    cancel_booking(*, actor, booking, reason="", whole_standing=False, now=None) -> Booking
    decide_booking(*, actor, booking, approve, reason="", now=None) -> Booking
    check_in(*, actor, code, resource=None, now=None) -> Booking
    clear_no_show(*, actor, booking, now=None) -> Booking
    expire_pending(*, now=None) -> int                 (periodic)
    mark_no_shows(*, now=None) -> int                  (periodic)
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from booking.models import COUNTED, Booking, BookingStatus, Suspension
from core.clock import current, local
from core.errors import ErrorCode, ServiceError
from marketplace.models import Resource, User
from marketplace.services import audit

from . import counters, waitlist
from .notify import tell

CHECK_IN_EARLY = dt.timedelta(minutes=30)
NO_SHOW_WINDOW = dt.timedelta(days=30)
NO_SHOW_LIMIT = 3
SUSPENSION = dt.timedelta(days=14)
REASON_MAX = 300
CHECKABLE = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.PENDING)


def _lock(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("resource", "user").get(pk=booking.pk)


def release(booking: Booking, status: str, reason: str, now: dt.datetime) -> None:
    """Moves an active booking to a final status, gives its place back and promotes the waitlist."""
    was_counted = booking.status in COUNTED
    booking.status = status
    booking.status_reason = reason[:REASON_MAX]
    booking.decided_at = booking.decided_at or now
    booking.save(update_fields=["status", "status_reason", "decided_at"])
    if was_counted:
        counters.give_back(slot_id=booking.slot_id, quantity=booking.quantity, quota_slot_id=booking.quota_slot_id)
        waitlist.promote(booking.slot_id, now=now)


def _cancel_one(actor: User, booking: Booking, reason: str, now: dt.datetime) -> Booking:
    booking = _lock(booking)
    owner = actor.pk == booking.user_id or (booking.booked_by_id is not None and actor.pk == booking.booked_by_id)
    unit_admin = actor.administers_unit(booking.resource.unit_id)
    if not owner and not unit_admin:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("You may not cancel this booking."), "bookingId")
    if booking.status not in (*COUNTED, BookingStatus.WAITLISTED) or booking.status == BookingStatus.CHECKED_IN:
        raise ServiceError.of(ErrorCode.ALREADY_FINAL, _("This booking is already final."), "bookingId")
    if not owner:
        if not reason.strip():
            raise ServiceError.of(ErrorCode.INVALID, _("Give a reason for the resident."), "reason")
    elif now > booking.start - dt.timedelta(minutes=booking.resource.cancel_until_minutes_before):
        raise ServiceError.of(ErrorCode.OUTSIDE_BOOKING_WINDOW, _("It is too late to cancel this booking."),
                              "bookingId")
    release(booking, BookingStatus.CANCELLED, reason if not owner else reason or "", now)
    if not owner:
        audit.record(actor=actor, action="booking.cancel_by_unit", obj=booking, reason=reason)
        tell(booking=booking, kind="BOOKING_CANCELLED", effect="cancelled", now=now)
    return booking


@transaction.atomic
def _cancel(actor: User, booking: Booking, reason: str, whole_standing: bool, now: dt.datetime) -> Booking:
    first = _cancel_one(actor, booking, reason, now)
    if whole_standing and first.standing_id:
        later = Booking.objects.filter(standing_id=first.standing_id, start__gt=first.start,
                                       status__in=(*COUNTED, BookingStatus.WAITLISTED)).exclude(
            status=BookingStatus.CHECKED_IN).order_by("start")
        for other in later:
            _cancel_one(actor, other, reason, now)
        first.standing.active = False  # type: ignore[union-attr]
        first.standing.save(update_fields=["active"])  # type: ignore[union-attr]
    return first


def cancel_booking(*, actor: User, booking: Booking, reason: str = "", whole_standing: bool = False,
                   now: dt.datetime | None = None) -> Booking:
    """The owner (or the worker who booked it) until the resource's cancellation deadline
    (OUTSIDE_BOOKING_WINDOW after it); a unit admin of the resource's unit at any time with a reason
    (audited, owner told). `whole_standing` also cancels the later occurrences and ends the standing
    booking. Raises ServiceError (PERMISSION_DENIED, ALREADY_FINAL, INVALID, OUTSIDE_BOOKING_WINDOW)."""
    moment = current(now)
    return counters.with_retries(lambda: _cancel(actor, booking, reason, whole_standing, moment))


@transaction.atomic
def _decide(actor: User, booking: Booking, approve: bool, reason: str, now: dt.datetime) -> Booking:
    booking = _lock(booking)
    if not actor.administers_unit(booking.resource.unit_id):
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only an admin of this unit may decide."), "bookingId")
    if booking.status != BookingStatus.PENDING:
        raise ServiceError.of(ErrorCode.ALREADY_FINAL, _("This booking has already been decided."), "bookingId")
    if approve:
        booking.status = BookingStatus.CONFIRMED
        booking.status_reason = reason[:REASON_MAX]
        booking.decided_at = now
        booking.save(update_fields=["status", "status_reason", "decided_at"])
        audit.record(actor=actor, action="booking.approve", obj=booking, reason=reason)
        tell(booking=booking, kind="BOOKING_APPROVED", effect="approved", now=now)
    else:
        release(booking, BookingStatus.REJECTED, reason, now)
        audit.record(actor=actor, action="booking.reject", obj=booking, reason=reason)
        tell(booking=booking, kind="BOOKING_REJECTED", effect="rejected", now=now)
    return booking


def decide_booking(*, actor: User, booking: Booking, approve: bool, reason: str = "",
                   now: dt.datetime | None = None) -> Booking:
    """A unit admin approves or rejects a PENDING booking. A rejection frees the place and promotes
    the waitlist. Raises ServiceError (PERMISSION_DENIED, ALREADY_FINAL)."""
    moment = current(now)
    return counters.with_retries(lambda: _decide(actor, booking, approve, reason, moment))


@transaction.atomic
def check_in(*, actor: User, code: str, resource: Resource | None = None, now: dt.datetime | None = None) -> Booking:
    """Unit admins and staff check in a CONFIRMED booking of their unit by its 6-digit code, from
    30 minutes before the start to the end. Raises ServiceError (PERMISSION_DENIED, NOT_FOUND,
    OUTSIDE_BOOKING_WINDOW, ALREADY_FINAL)."""
    now = current(now)
    unit_id = resource.unit_id if resource is not None else actor.unit_id
    if unit_id is None or not actor.works_at_unit(unit_id):
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only this unit's admins and staff check people in."))
    found = Booking.objects.filter(resource__unit_id=unit_id, check_in_code=code.strip(),
                                   status__in=CHECKABLE)
    if resource is not None:
        found = found.filter(resource=resource)
    candidates = list(found.filter(start__lte=now + CHECK_IN_EARLY, end__gte=now).order_by("start")) or list(
        found.filter(end__gte=now - dt.timedelta(days=1)).order_by("start"))
    if not candidates:
        raise ServiceError.of(ErrorCode.NOT_FOUND, _("No booking has this code."), "code")
    booking = _lock(candidates[0])
    if not booking.start - CHECK_IN_EARLY <= now <= booking.end:
        starts = local(booking.start)
        when = f"{date_format(starts, 'MONTH_DAY_FORMAT')} {starts:%H:%M}"
        message = (_("This code is for %(when)s; check-in opens 30 minutes before the start.")
                   if now < booking.start else _("This booking ended at %(end)s."))
        raise ServiceError.of(ErrorCode.OUTSIDE_BOOKING_WINDOW,
                              message % {"when": when, "end": f"{local(booking.end):%H:%M}"}, "code")
    if booking.status == BookingStatus.CHECKED_IN:
        return booking
    if booking.status != BookingStatus.CONFIRMED:
        raise ServiceError.of(ErrorCode.ALREADY_FINAL, _("This booking is not confirmed."), "code")
    booking.status = BookingStatus.CHECKED_IN
    booking.checked_in_at = now
    booking.save(update_fields=["status", "checked_in_at"])
    return booking


def expire_pending(*, now: dt.datetime | None = None) -> int:
    """Periodic: PENDING bookings not decided by the slot's start are cancelled, owners told."""
    now = current(now)
    expired = 0
    for pk in Booking.objects.filter(status=BookingStatus.PENDING, start__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            booking = Booking.objects.select_for_update().get(pk=pk)
            if booking.status != BookingStatus.PENDING:
                continue
            release(booking, BookingStatus.CANCELLED, gettext_noop("Not decided before the start."), now)
            tell(booking=booking, kind="BOOKING_CANCELLED", effect="expired", now=now)
            expired += 1
    return expired


def no_show_count(user_id: int, now: dt.datetime) -> int:
    return Booking.objects.filter(user_id=user_id, status=BookingStatus.NO_SHOW, no_show_cleared_at__isnull=True,
                                  end__gt=now - NO_SHOW_WINDOW).count()


def mark_no_shows(*, now: dt.datetime | None = None) -> int:
    """Periodic: CONFIRMED bookings that ended without check-in where check-in is required become
    NO_SHOW (their place leaves `booked`); three in 30 days suspend booking for 14 days."""
    now = current(now)
    marked = 0
    due = Booking.objects.filter(status=BookingStatus.CONFIRMED, end__lt=now, resource__check_in_required=True)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            booking = Booking.objects.select_for_update().get(pk=pk)
            if booking.status != BookingStatus.CONFIRMED:
                continue
            booking.status = BookingStatus.NO_SHOW
            booking.save(update_fields=["status"])
            counters.give_back(slot_id=booking.slot_id, quantity=booking.quantity, quota_slot_id=booking.quota_slot_id)
            marked += 1
            if no_show_count(booking.user_id, now) >= NO_SHOW_LIMIT and not Suspension.objects.filter(
                    user_id=booking.user_id, until__gt=now, lifted_at__isnull=True).exists():
                Suspension.objects.create(user_id=booking.user_id, starts_at=now, until=now + SUSPENSION,
                                          reason="Three no-shows in 30 days.")
    return marked


@transaction.atomic
def clear_no_show(*, actor: User, booking: Booking, now: dt.datetime | None = None) -> Booking:
    """A unit admin clears a no-show: it no longer counts, and a suspension it caused is lifted when
    fewer than three remain. Raises ServiceError (PERMISSION_DENIED, INVALID)."""
    now = current(now)
    booking = _lock(booking)
    if not actor.administers_unit(booking.resource.unit_id):
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only an admin of this unit may do this."), "bookingId")
    if booking.status != BookingStatus.NO_SHOW or booking.no_show_cleared_at is not None:
        raise ServiceError.of(ErrorCode.INVALID, _("This booking is not a no-show."), "bookingId")
    booking.no_show_cleared_at = now
    booking.save(update_fields=["no_show_cleared_at"])
    if no_show_count(booking.user_id, now) < NO_SHOW_LIMIT:
        Suspension.objects.filter(user_id=booking.user_id, until__gt=now, lifted_at__isnull=True).update(lifted_at=now)
    audit.record(actor=actor, action="booking.clear_no_show", obj=booking)
    return booking
