"""Opening hours: recurrence across weeks, overnight windows, holidays and make-up days, closures,
changing hours and capacity."""

from __future__ import annotations

import datetime as dt

import pytest
from schedule.models import Event, Occurrence

from booking.models import Booking, BookingStatus, OpeningWindow, Slot
from booking.services.availability import close_slots, set_opening_hours, update_resource_with_hours
from booking.services.hours import WindowSpec, day_kind
from booking.services.slots import parse_slot_key, slot_key, slots_between
from core.errors import ErrorCode, ServiceError
from marketplace.models import AuditEntry
from marketplace.services.resources import ResourceFields
from tests.factories import ResourceFactory

from .conftest import NOW, TZ, WEEKDAYS, book, local, lunch_windows, person, with_hours
from .invariants import check_invariants

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_weekday_windows_recur_every_week_and_skip_weekends(canteen):
    # given lunch sittings Monday to Friday, stored 8 weeks ahead
    slots = list(Slot.objects.filter(resource=canteen).order_by("start"))
    # then two slots on each weekday, none at weekends, over 8 weeks
    days = {s.start.astimezone(TZ).date() for s in slots}
    assert all(d.weekday() < 5 for d in days)
    assert len(slots) == 2 * 5 * 8
    assert {s.start.astimezone(TZ).time() for s in slots} == {dt.time(11), dt.time(12)}


def test_scheduler_events_expand_to_the_same_occurrences(canteen):
    # given the django-scheduler Event behind the 11:00 window
    window = OpeningWindow.objects.get(resource=canteen, start_time=dt.time(11))
    event = Event.objects.get(pk=window.event_id)
    start, end = local(dt.date(2026, 12, 7), 0), local(dt.date(2026, 12, 21), 0)
    # when both expand two weeks
    scheduled = sorted(o.start for o in event.get_occurrences(start, end))
    ours = sorted(s.start for s in slots_between([canteen.pk], start, end) if s.start.astimezone(TZ).hour == 11)
    # then they agree: ten weekday lunches
    assert scheduled == ours and len(ours) == 10
    assert event.rule.frequency == "DAILY" and event.rule.params == "byweekday:0,1,2,3,4"


def test_overnight_window_ends_the_next_morning(unit):
    # given overnight parking 19:00-07:30 on weekdays
    parking = with_hours(ResourceFactory(unit=unit, category="PARKING", capacity=10),
                         [WindowSpec(weekdays=WEEKDAYS, start_time=dt.time(19), end_time=dt.time(7, 30),
                                     ends_next_day=True)])
    # then Friday's slot starts Friday 19:00 and ends Saturday 07:30
    friday = Slot.objects.get(resource=parking, start=local(dt.date(2026, 12, 4), 19))
    assert friday.end == local(dt.date(2026, 12, 5), 7, 30)


def test_end_before_start_without_ends_next_day_is_invalid(unit):
    resource = ResourceFactory(unit=unit)
    with pytest.raises(ServiceError) as caught:
        set_opening_hours(actor=None, resource=resource, now=NOW,
                          windows=[WindowSpec(weekdays=(0,), start_time=dt.time(19), end_time=dt.time(7))])
    assert caught.value.errors[0].code == ErrorCode.INVALID
    assert caught.value.errors[0].field == "openingHours.0.endTime"
    assert not OpeningWindow.objects.filter(resource=resource).exists()


def test_holiday_closes_and_make_up_saturday_opens_weekday_windows(unit):
    # given National Day 2026 (1-7 Oct holidays, Saturday 10 Oct worked) and a canteen that follows it
    assert (day_kind(dt.date(2026, 10, 1)), day_kind(dt.date(2026, 10, 10))) == ("HOLIDAY", "MAKEUP")
    september = dt.datetime(2026, 9, 20, 8, tzinfo=TZ)
    follows = with_hours(ResourceFactory(unit=unit, follows_holiday_calendar=True), lunch_windows(), september)
    ignores = with_hours(ResourceFactory(unit=unit), lunch_windows(), september)
    # then the follower is shut on Thursday 1 Oct and open on Saturday 10 Oct; the other the reverse
    holiday, makeup = local(dt.date(2026, 10, 1), 11), local(dt.date(2026, 10, 10), 11)
    assert not Slot.objects.filter(resource=follows, start=holiday).exists()
    assert Slot.objects.filter(resource=follows, start=makeup).exists()
    assert Slot.objects.filter(resource=ignores, start=holiday).exists()
    assert not Slot.objects.filter(resource=ignores, start=makeup).exists()


def test_virtual_slots_beyond_the_horizon_have_stable_keys(canteen, alice):
    # given a day beyond the 8-week horizon
    far = local(dt.date(2027, 2, 2), 11)
    assert not Slot.objects.filter(resource=canteen, start=far).exists()
    [virtual] = slots_between([canteen.pk], far, far + dt.timedelta(minutes=1))
    assert virtual.pk is None and virtual.capacity == 40
    # when a resident books it (the booking window opens early enough)
    canteen.booking_opens_days_before = 90
    canteen.save()
    book(alice, canteen, far)
    # then the slot is stored under the same key
    [stored] = slots_between([canteen.pk], far, far + dt.timedelta(minutes=1))
    assert stored.pk is not None and stored.key == virtual.key == slot_key(canteen.pk, far)
    assert parse_slot_key(stored.key) == (canteen.pk, far)


def test_a_start_that_is_no_slot_is_not_found(canteen, alice):
    with pytest.raises(ServiceError) as caught:
        book(alice, canteen, local(dt.date(2026, 12, 1), 11, 30))
    assert caught.value.code == ErrorCode.NOT_FOUND
    assert not Booking.objects.exists()


def test_closure_cancels_bookings_and_scheduler_occurrences(canteen, admin, alice):
    # given a booking on Tuesday 11:00
    start = local(dt.date(2026, 12, 1), 11)
    booking = book(alice, canteen, start).booking
    # when the unit closes Tuesday
    closed, cancelled = close_slots(actor=admin, resource=canteen, start=local(dt.date(2026, 12, 1), 0),
                                    end=local(dt.date(2026, 12, 2), 0), reason="Kitchen repairs", now=NOW)
    # then both sittings are closed, the booking cancelled with the reason, the occurrences cancelled
    booking.refresh_from_db()
    assert (closed, cancelled) == (2, 1)
    assert (booking.status, booking.status_reason) == (BookingStatus.CANCELLED, "Kitchen repairs")
    assert Occurrence.objects.filter(cancelled=True).count() == 2
    assert AuditEntry.objects.filter(action="slots.close").exists()
    with pytest.raises(ServiceError) as caught:
        book(person(alice.memberships.first().community), canteen, start)
    assert caught.value.code == ErrorCode.SLOT_CLOSED
    check_invariants()


def test_changing_hours_keeps_bookings_outside_and_lists_them(canteen, admin, alice):
    # given a booking at 12:00 on Tuesday
    booking = book(alice, canteen, local(dt.date(2026, 12, 1), 12)).booking
    # when the unit keeps only the 11:00 sitting
    _resource, outside = update_resource_with_hours(
        actor=admin, resource=canteen, data=ResourceFields(), now=NOW,
        windows=[WindowSpec(weekdays=WEEKDAYS, start_time=dt.time(11), end_time=dt.time(12))])
    # then the booking stays confirmed and is listed; empty 12:00 slots are gone
    booking.refresh_from_db()
    assert [b.pk for b in outside] == [booking.pk]
    assert booking.status == BookingStatus.CONFIRMED
    assert Slot.objects.filter(resource=canteen, start__gt=NOW).exclude(
        start=booking.start).filter(start__hour=4).count() == 0
    check_invariants()


def test_capacity_below_what_is_booked_is_conflict(unit, admin, community):
    # given a capacity-2 canteen with a slot fully booked
    resource = with_hours(ResourceFactory(unit=unit, capacity=2), lunch_windows())
    start = local(dt.date(2026, 12, 1), 11)
    book(person(community), resource, start, quantity=2)
    # when the unit lowers the capacity to 1
    with pytest.raises(ServiceError) as caught:
        update_resource_with_hours(actor=admin, resource=resource, data=ResourceFields(capacity=1), now=NOW)
    # then CONFLICT and nothing changed
    assert caught.value.code == ErrorCode.CONFLICT
    resource.refresh_from_db()
    assert resource.capacity == 2
    assert set(Slot.objects.filter(resource=resource).values_list("capacity", flat=True)) == {2}


def test_capacity_increase_promotes_the_waitlist(unit, admin, community):
    resource = with_hours(ResourceFactory(unit=unit, capacity=1), lunch_windows())
    start = local(dt.date(2026, 12, 1), 11)
    book(person(community), resource, start)
    waiting = book(person(community), resource, start, join_waitlist=True).booking
    update_resource_with_hours(actor=admin, resource=resource, data=ResourceFields(capacity=2), now=NOW)
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CONFIRMED
    assert AuditEntry.objects.filter(action="resource.capacity").exists()
    check_invariants()


def test_hall_slots_overlapping_a_kept_booking_stay_closed(unit, admin, alice):
    # given a hall booked 11:00-12:00 on Tuesday
    hall = with_hours(ResourceFactory(unit=unit, category="HALL", booking_mode="EXCLUSIVE", capacity=50),
                      lunch_windows())
    booking = book(alice, hall, local(dt.date(2026, 12, 1), 11)).booking
    # when the hours move to 11:30-13:30
    _resource, outside = update_resource_with_hours(
        actor=admin, resource=hall, data=ResourceFields(), now=NOW,
        windows=[WindowSpec(weekdays=WEEKDAYS, start_time=dt.time(11, 30), end_time=dt.time(13, 30))])
    # then the booking stays, and Tuesday's overlapping new slot cannot be booked (I2)
    assert [b.pk for b in outside] == [booking.pk]
    new = Slot.objects.get(resource=hall, start=local(dt.date(2026, 12, 1), 11, 30))
    assert new.closed
    assert not Slot.objects.get(resource=hall, start=local(dt.date(2026, 12, 2), 11, 30)).closed
    check_invariants()
