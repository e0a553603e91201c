"""Booking a slot: the happy paths, quota beside open capacity, waitlist and idempotent replay."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.models import Booking, BookingStatus, Slot
from booking.services.lifecycle import cancel_booking
from booking.services.quota import add_quota, quota_remaining
from core.errors import ErrorCode, ServiceError
from tests.factories import ResourceFactory

from .conftest import NOW, book, lunch_windows, person, with_hours
from .invariants import check_invariants

pytestmark = pytest.mark.django_db
TUESDAY_11 = dt.datetime(2026, 12, 1, 11, 0, tzinfo=NOW.tzinfo)


@pytest.mark.postgres
def test_booking_confirms_and_counts_the_slot(canteen, alice):
    # given a canteen with lunch sittings and a resident
    # when she books one seat on Tuesday at 11:00
    result = book(alice, canteen, TUESDAY_11)
    # then the booking is confirmed with a 6-digit code and the slot counts it
    booking = result.booking
    assert booking.status == BookingStatus.CONFIRMED
    assert len(booking.check_in_code) == 6 and booking.check_in_code.isdigit()
    assert Slot.objects.get(resource=canteen, start=TUESDAY_11).booked == 1
    check_invariants()


def test_full_slot_refuses_with_full_and_writes_nothing(unit, community):
    # given a slot with capacity 1, taken
    resource = with_hours(ResourceFactory(unit=unit, capacity=1), lunch_windows())
    first, second = person(community), person(community)
    book(first, resource, TUESDAY_11)
    # when another resident books it
    with pytest.raises(ServiceError) as caught:
        book(second, resource, TUESDAY_11)
    # then FULL, and nothing of hers exists
    assert caught.value.code == ErrorCode.FULL
    assert not Booking.objects.filter(user=second).exists()
    check_invariants()


def test_waitlist_is_joined_when_full_and_promoted_on_cancel(unit, community):
    # given a full capacity-1 slot and two residents waiting
    resource = with_hours(ResourceFactory(unit=unit, capacity=1), lunch_windows())
    holder, first, second = person(community), person(community), person(community)
    taken = book(holder, resource, TUESDAY_11).booking
    w1 = book(first, resource, TUESDAY_11, join_waitlist=True, now=NOW + dt.timedelta(minutes=1)).booking
    w2 = book(second, resource, TUESDAY_11, join_waitlist=True, now=NOW + dt.timedelta(minutes=2)).booking
    assert (w1.status, w1.waitlist_position, w2.waitlist_position) == (BookingStatus.WAITLISTED, 1, 2)
    # when the holder cancels
    cancel_booking(actor=holder, booking=taken, now=NOW + dt.timedelta(hours=1))
    # then the first in line is confirmed in the same transaction, the second still waits
    w1.refresh_from_db()
    w2.refresh_from_db()
    assert w1.status == BookingStatus.CONFIRMED
    assert (w2.status, w2.waitlist_position) == (BookingStatus.WAITLISTED, 1)
    check_invariants()


def test_join_waitlist_on_a_free_slot_simply_books(canteen, alice):
    result = book(alice, canteen, TUESDAY_11, join_waitlist=True)
    assert result.booking.status == BookingStatus.CONFIRMED


def test_quota_booking_draws_from_the_community_quota(unit, community):
    # given capacity 10 with 4 held for the community
    resource = with_hours(ResourceFactory(unit=unit, capacity=10), lunch_windows())
    add_quota(community=community, resource=resource, start_time=dt.time(11),
              end_time=dt.time(12), ends_next_day=False, weekdays=[0, 1, 2, 3, 4], starts_on=NOW.date(),
              ends_on=NOW.date() + dt.timedelta(days=30), amount=4, actor=None, now=NOW)
    slot = Slot.objects.get(resource=resource, start=TUESDAY_11)
    assert (slot.held, quota_remaining(slot, community)) == (4, 4)
    # when a resident of the community books 2
    booking = book(person(community), resource, TUESDAY_11, quantity=2).booking
    # then the quota pays: held 2, booked 2, quota left 2
    slot.refresh_from_db()
    assert booking.quota_slot is not None
    assert (slot.booked, slot.held, quota_remaining(slot, community)) == (2, 2, 2)
    check_invariants()


def test_idempotent_replay_returns_the_first_booking(canteen, alice):
    first = book(alice, canteen, TUESDAY_11, idempotency_key="k1").booking
    again = book(alice, canteen, TUESDAY_11, idempotency_key="k1").booking
    assert again.pk == first.pk
    assert Booking.objects.count() == 1
    with pytest.raises(ServiceError) as caught:
        book(alice, canteen, TUESDAY_11, quantity=2, idempotency_key="k1")
    assert caught.value.code == ErrorCode.CONFLICT


def test_waitlist_positions_in_one_query(unit, community, django_assert_num_queries):
    from booking.services.waitlist import waitlist_positions

    resource = with_hours(ResourceFactory(unit=unit, capacity=1), lunch_windows())
    book(person(community), resource, TUESDAY_11)
    waiting = [book(person(community), resource, TUESDAY_11, join_waitlist=True,
                    now=NOW + dt.timedelta(minutes=i)).booking for i in range(3)]
    with django_assert_num_queries(1):
        places = waitlist_positions(waiting)
    assert [places[b.pk] for b in waiting] == [1, 2, 3]


def test_publish_with_hours_is_one_transaction_and_idempotent(unit, admin):
    from booking.models import OpeningWindow
    from booking.services.availability import publish_resource_with_hours
    from booking.services.hours import WindowSpec
    from marketplace.models import Resource
    from marketplace.services.resources import ResourceFields

    data = ResourceFields(name="职工食堂", category="CANTEEN", address="西城区1号", lat=39.91, lon=116.37, capacity=30)
    bad = [WindowSpec(weekdays=(0,), start_time=dt.time(12), end_time=dt.time(11))]
    with pytest.raises(ServiceError) as caught:
        publish_resource_with_hours(actor=admin, unit=unit, data=data, windows=bad, now=NOW)
    assert caught.value.errors[0].field == "openingHours.0.endTime"
    assert not Resource.objects.filter(name="职工食堂").exists()
    good = lunch_windows()
    first = publish_resource_with_hours(actor=admin, unit=unit, data=data, windows=good, idempotency_key="p", now=NOW)
    again = publish_resource_with_hours(actor=admin, unit=unit, data=data, windows=good, idempotency_key="p", now=NOW)
    assert first.pk == again.pk and Resource.objects.filter(name="职工食堂").count() == 1
    assert OpeningWindow.objects.filter(resource=first).count() == 2
    assert Slot.objects.filter(resource=first).exists()


@pytest.mark.postgres
def test_a_check_in_code_clash_retries_with_a_new_code(canteen, community, monkeypatch):
    # given the random source repeats the first code once
    draws = iter([5, 5, 7])
    monkeypatch.setattr("booking.services.bookings.secrets.randbelow", lambda _n: next(draws))
    first = book(person(community), canteen, TUESDAY_11).booking
    # when a second resident books the same slot
    second = book(person(community), canteen, TUESDAY_11).booking
    # then the clash re-ran the transaction: two bookings, distinct codes, counted once each
    assert (first.check_in_code, second.check_in_code) == ("000005", "000007")
    assert Slot.objects.get(resource=canteen, start=TUESDAY_11).booked == 2
    check_invariants()
