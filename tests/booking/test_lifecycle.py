"""After booking: cancellation, approval, expiry, check-in, no-shows and suspension, standing bookings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from booking.models import Booking, BookingStatus, Slot, StandingBooking, Suspension
from booking.services.jobs import extend_standing_bookings
from booking.services.lifecycle import (
    cancel_booking,
    check_in,
    clear_no_show,
    decide_booking,
    expire_pending,
    mark_no_shows,
)
from booking.services.validators import active_count
from core.errors import ErrorCode, ServiceError
from marketplace.models import AuditEntry
from tests.factories import ResourceFactory, community_worker, unit_staff

from .conftest import NOW, book, local, lunch_windows, person, with_hours
from .invariants import check_invariants

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TUESDAY_11 = local(dt.date(2026, 12, 1), 11)


def code_of(call) -> ErrorCode:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value.code


# --- cancellation ---------------------------------------------------------------------------------
def test_owner_cancels_until_the_deadline(unit, alice):
    canteen = with_hours(ResourceFactory(unit=unit, cancel_until_minutes_before=60), lunch_windows())
    booking = book(alice, canteen, TUESDAY_11).booking
    late = TUESDAY_11 - dt.timedelta(minutes=59)
    assert code_of(lambda: cancel_booking(actor=alice, booking=booking, now=late)) == ErrorCode.OUTSIDE_BOOKING_WINDOW
    cancelled = cancel_booking(actor=alice, booking=booking, now=TUESDAY_11 - dt.timedelta(minutes=61))
    assert cancelled.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    assert code_of(lambda: cancel_booking(actor=alice, booking=booking, now=NOW)) == ErrorCode.ALREADY_FINAL
    check_invariants()


def test_unit_admin_cancels_with_a_reason_and_it_is_audited(canteen, admin, alice, bob):
    booking = book(alice, canteen, TUESDAY_11).booking
    assert code_of(lambda: cancel_booking(actor=bob, booking=booking, reason="x", now=NOW)) == \
        ErrorCode.PERMISSION_DENIED
    assert code_of(lambda: cancel_booking(actor=admin, booking=booking, now=NOW)) == ErrorCode.INVALID
    done = cancel_booking(actor=admin, booking=booking, reason="Water pipe burst", now=NOW)
    assert (done.status, done.status_reason) == (BookingStatus.CANCELLED, "Water pipe burst")
    assert AuditEntry.objects.filter(action="booking.cancel_by_unit", reason="Water pipe burst").exists()


# --- approval ---------------------------------------------------------------------------------------
def test_pending_holds_capacity_and_rejection_promotes_the_waitlist(unit, admin, community):
    hall = with_hours(ResourceFactory(unit=unit, category="HALL", booking_mode="EXCLUSIVE", requires_approval=True,
                                      capacity=80), lunch_windows())
    first, second = person(community), person(community)
    pending = book(first, hall, TUESDAY_11).booking
    waiting = book(second, hall, TUESDAY_11, join_waitlist=True).booking
    assert (pending.status, waiting.status) == (BookingStatus.PENDING, BookingStatus.WAITLISTED)
    # when the admin rejects the first
    decide_booking(actor=admin, booking=pending, approve=False, reason="Already in use", now=NOW)
    # then the second is promoted, PENDING on an approval resource
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.PENDING
    approved = decide_booking(actor=admin, booking=waiting, approve=True, now=NOW)
    assert approved.status == BookingStatus.CONFIRMED
    assert code_of(lambda: decide_booking(actor=admin, booking=waiting, approve=False, now=NOW)) == \
        ErrorCode.ALREADY_FINAL
    assert AuditEntry.objects.filter(action__in=["booking.approve", "booking.reject"]).count() == 2
    check_invariants()


def test_pending_expires_at_the_start(unit, community):
    hall = with_hours(ResourceFactory(unit=unit, requires_approval=True), lunch_windows())
    pending = book(person(community), hall, TUESDAY_11).booking
    assert expire_pending(now=TUESDAY_11 - dt.timedelta(minutes=1)) == 0
    assert expire_pending(now=TUESDAY_11) == 1
    pending.refresh_from_db()
    assert pending.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=pending.slot_id).booked == 0
    check_invariants()


# --- check-in, no-shows ------------------------------------------------------------------------------
def test_check_in_by_code_from_30_minutes_before_to_the_end(canteen, unit, alice):
    gate = unit_staff(unit)
    booking = book(alice, canteen, TUESDAY_11).booking
    early = TUESDAY_11 - dt.timedelta(minutes=31)
    assert code_of(lambda: check_in(actor=gate, code=booking.check_in_code, now=early)) == \
        ErrorCode.OUTSIDE_BOOKING_WINDOW
    assert code_of(lambda: check_in(actor=gate, code="000000" if booking.check_in_code != "000000" else "111111",
                                    now=TUESDAY_11)) == ErrorCode.NOT_FOUND
    assert code_of(lambda: check_in(actor=alice, code=booking.check_in_code, now=TUESDAY_11)) == \
        ErrorCode.PERMISSION_DENIED
    done = check_in(actor=gate, code=booking.check_in_code, now=TUESDAY_11 - dt.timedelta(minutes=30))
    assert done.status == BookingStatus.CHECKED_IN
    check_invariants()


def test_three_no_shows_in_30_days_suspend_for_14_days_and_clearing_lifts(unit, admin, alice):
    canteen = with_hours(ResourceFactory(unit=unit, check_in_required=True), lunch_windows())
    bookings = [book(alice, canteen, TUESDAY_11 + dt.timedelta(days=d)).booking for d in (0, 1, 2)]
    after = TUESDAY_11 + dt.timedelta(days=2, hours=2)
    # when the no-show job runs after the third lunch
    assert mark_no_shows(now=after) == 3
    # then all three are NO_SHOW, their places left `booked`, and she is suspended 14 days
    assert {b.status for b in Booking.objects.filter(user=alice)} == {BookingStatus.NO_SHOW}
    suspension = Suspension.objects.get(user=alice)
    assert suspension.until == after + dt.timedelta(days=14)
    later = local(dt.date(2026, 12, 7), 11)
    assert code_of(lambda: book(alice, canteen, later, now=after)) == ErrorCode.NOT_ELIGIBLE
    check_invariants()
    # when the unit admin clears one
    clear_no_show(actor=admin, booking=bookings[0], now=after)
    # then the suspension is lifted
    assert book(alice, canteen, later, now=after).booking is not None


def test_no_shows_are_not_recorded_where_check_in_is_not_required(canteen, alice):
    book(alice, canteen, TUESDAY_11)
    assert mark_no_shows(now=TUESDAY_11 + dt.timedelta(hours=2)) == 0


# --- standing bookings ---------------------------------------------------------------------------------
def test_standing_booking_books_each_occurrence_and_counts_once(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, max_active_per_resident=2), lunch_windows())
    elder = person(community, born=dt.date(1950, 3, 3))
    worker = community_worker(community)
    # when a worker books Mon/Wed/Fri 11:00 until 31 December for her
    result = book(worker, canteen, local(dt.date(2026, 11, 30), 11), for_residents=[elder],
                  standing_until=dt.date(2026, 12, 31), weekdays=(0, 2, 4), now=NOW - dt.timedelta(hours=1))
    # then the occurrences inside the 14-day booking window are booked now
    standing = result.standing
    assert standing is not None and standing.weekdays == [0, 2, 4]
    starts = [b.start.astimezone(local(dt.date(2026, 1, 1), 0).tzinfo).date() for b in result.bookings]
    assert starts == [dt.date(2026, 11, 30), dt.date(2026, 12, 2), dt.date(2026, 12, 4), dt.date(2026, 12, 7),
                      dt.date(2026, 12, 9), dt.date(2026, 12, 11)]
    assert active_count(elder, canteen, NOW) == 1
    # and another single booking still fits within her limit of 2
    book(elder, canteen, local(dt.date(2026, 12, 1), 12))
    # when a week passes, the job books the occurrences whose window opened
    made = extend_standing_bookings(now=NOW + dt.timedelta(days=7))
    assert made == 3
    assert Booking.objects.filter(standing=standing).count() == 9
    assert extend_standing_bookings(now=NOW + dt.timedelta(days=7)) == 0
    # when she cancels the whole standing booking
    first_future = Booking.objects.filter(standing=standing, start__gt=NOW).order_by("start").first()
    cancel_booking(actor=elder, booking=first_future, whole_standing=True, now=NOW)
    assert not StandingBooking.objects.get(pk=standing.pk).active
    assert Booking.objects.filter(standing=standing, status=BookingStatus.CONFIRMED, start__gt=NOW).count() == 0
    check_invariants()


def test_waitlist_lapses_at_the_booking_cutoff(unit, community):
    from booking.services.waitlist import lapse_waitlists

    canteen = with_hours(ResourceFactory(unit=unit, capacity=1), lunch_windows())
    holder = person(community)
    taken = book(holder, canteen, TUESDAY_11).booking
    waiting = book(person(community), canteen, TUESDAY_11, join_waitlist=True).booking
    cutoff = TUESDAY_11 - dt.timedelta(minutes=30)
    assert lapse_waitlists(now=cutoff - dt.timedelta(minutes=1)) == 0
    assert lapse_waitlists(now=cutoff) == 1
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CANCELLED
    # a late cancellation by the unit promotes nobody
    cancel_booking(actor=unit_admin_of(unit), booking=taken, reason="r", now=cutoff)
    assert Slot.objects.get(pk=taken.slot_id).booked == 0
    check_invariants()


def unit_admin_of(unit):  # type: ignore[no-untyped-def]
    from tests.factories import unit_admin

    return unit_admin(unit)


def test_owners_are_told_once_per_effect(unit, admin, community):
    from booking.notifications.models import Notification
    from booking.services.availability import close_slots

    # given an approval hall: one pending, one waiting
    hall = with_hours(ResourceFactory(unit=unit, category="HALL", booking_mode="EXCLUSIVE", requires_approval=True,
                                      capacity=80), lunch_windows())
    first, second, third = person(community), person(community), person(community)
    pending = book(first, hall, TUESDAY_11).booking
    book(second, hall, TUESDAY_11, join_waitlist=True)
    # when the first is rejected (promoting the second), the second approved, and the next day closed
    decide_booking(actor=admin, booking=pending, approve=False, reason="r", now=NOW)
    promoted = Booking.objects.get(user=second)
    decide_booking(actor=admin, booking=promoted, approve=True, now=NOW)
    book(third, hall, TUESDAY_11 + dt.timedelta(days=1))
    close_slots(actor=admin, resource=hall, start=TUESDAY_11 + dt.timedelta(days=1),
                end=TUESDAY_11 + dt.timedelta(days=1, hours=1), reason="Repairs", now=NOW)
    # then each effect is one in-app row
    kinds = sorted(Notification.objects.values_list("user__username", "kind"))
    assert kinds == sorted([(first.username, "BOOKING_REJECTED"), (second.username, "WAITLIST_PROMOTED"),
                            (second.username, "BOOKING_APPROVED"), (third.username, "SLOT_CLOSED")])


def test_an_early_code_says_which_day_it_is_for_and_a_late_one_when_it_ended(canteen, unit, alice):
    # given tomorrow's booking (Tuesday 11:00) tried on Monday morning
    gate = unit_staff(unit)
    booking = book(alice, canteen, TUESDAY_11).booking
    # when / then: in zh-hans the message names the day and time
    with translation.override("zh-hans"):
        with pytest.raises(ServiceError) as early:
            check_in(actor=gate, code=booking.check_in_code, now=NOW)
    assert early.value.code == ErrorCode.OUTSIDE_BOOKING_WINDOW
    assert "12月1日 11:00" in str(early.value.errors[0].message)
    with translation.override("en"):
        with pytest.raises(ServiceError) as late:
            check_in(actor=gate, code=booking.check_in_code, now=TUESDAY_11 + dt.timedelta(hours=1, minutes=1))
    assert "ended at 12:00" in str(late.value.errors[0].message)


def test_a_second_check_in_keeps_the_first_moment(canteen, unit, alice):
    # given a booking checked in at 10:45
    gate = unit_staff(unit)
    booking = book(alice, canteen, TUESDAY_11).booking
    first = check_in(actor=gate, code=booking.check_in_code, now=TUESDAY_11 - dt.timedelta(minutes=15))
    # when the same code comes again at 11:05
    again = check_in(actor=gate, code=booking.check_in_code, now=TUESDAY_11 + dt.timedelta(minutes=5))
    # then it is the same check-in, at the first moment
    assert again.pk == first.pk and again.checked_in_at == TUESDAY_11 - dt.timedelta(minutes=15)
