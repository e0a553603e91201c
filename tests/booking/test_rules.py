"""Every booking rule's coded error (docs/API.md, "Which code for which rule"), and that a
refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.models import Booking, Slot, Suspension
from booking.services.validators import PLATE_RE, normalise_plate
from core.errors import ErrorCode, ServiceError
from marketplace.services.resources import ResourceFields, update_resource
from tests.factories import CommunityFactory, ResourceFactory, community_worker, elderly_resident

from .conftest import NOW, WEEKDAYS, book, local, lunch_windows, person, with_hours

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TUESDAY_11 = local(dt.date(2026, 12, 1), 11)


def refused(code: ErrorCode, call, field: str | None = "__any__"):  # type: ignore[no-untyped-def]
    before = (Booking.objects.count(), list(Slot.objects.values_list("booked", "held")))
    with pytest.raises(ServiceError) as caught:
        call()
    assert caught.value.code == code, caught.value.errors
    if field != "__any__":
        assert caught.value.errors[0].field == field
    assert (Booking.objects.count(), list(Slot.objects.values_list("booked", "held"))) == before
    return caught.value.errors[0]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"slots": 9}, "slots"),
    ({"slots": 0}, "slots"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 41}, "quantity"),
    ({"note": "x" * 201}, "note"),
])
def test_invalid_inputs(canteen, alice, kwargs, field):
    refused(ErrorCode.INVALID, lambda: book(alice, canteen, TUESDAY_11, **kwargs), field)


def test_hall_attendees_above_its_size_and_quantity_above_one_are_invalid(unit, alice):
    hall = with_hours(ResourceFactory(unit=unit, category="HALL", booking_mode="EXCLUSIVE", capacity=50),
                      lunch_windows())
    refused(ErrorCode.INVALID, lambda: book(alice, hall, TUESDAY_11, attendees=51), "attendees")
    refused(ErrorCode.INVALID, lambda: book(alice, hall, TUESDAY_11, quantity=2), "quantity")
    booking = book(alice, hall, TUESDAY_11, attendees=50).booking
    assert (booking.quantity, booking.attendees) == (1, 50)
    assert Slot.objects.get(pk=booking.slot_id).capacity == 1


@pytest.mark.parametrize(("plate", "valid"), [
    ("京A12345", True), ("京AD12345", True), ("沪A12345F", True), ("粤B·1234学", True), ("京 a 123 45", True),
    ("京A1234", False), ("京AI2345", False), ("A12345", False), ("京A123456", False), ("", False),
])
def test_plate_numbers(plate, valid):
    assert bool(PLATE_RE.match(normalise_plate(plate))) is valid


def test_parking_needs_a_valid_plate(unit, alice):
    parking = with_hours(ResourceFactory(unit=unit, category="PARKING", capacity=5), lunch_windows())
    refused(ErrorCode.INVALID, lambda: book(alice, parking, TUESDAY_11, plate_number="京A1234"), "plateNumber")
    assert book(alice, parking, TUESDAY_11, plate_number="京a 12345").booking.plate_number == "京A12345"


def test_only_residents_book_for_themselves(canteen, admin):
    refused(ErrorCode.PERMISSION_DENIED, lambda: book(admin, canteen, TUESDAY_11))


def test_worker_books_only_for_their_own_community(canteen, community):
    worker = community_worker(community)
    stranger = person(CommunityFactory())
    mine = person(community)
    refused(ErrorCode.PERMISSION_DENIED,
            lambda: book(worker, canteen, TUESDAY_11, for_residents=[mine, stranger]), "forResidents.1")


def test_elderly_resource_refuses_the_young_and_those_without_a_birth_date(unit, community):
    lunch = with_hours(ResourceFactory(unit=unit, target_group="ELDERLY"), lunch_windows())
    refused(ErrorCode.NOT_ELIGIBLE, lambda: book(person(community), lunch, TUESDAY_11))
    refused(ErrorCode.NOT_ELIGIBLE, lambda: book(person(community, born=None), lunch, TUESDAY_11))
    # 60 on the slot's day is enough
    turning = person(community, born=dt.date(1966, 12, 1))
    assert book(turning, lunch, TUESDAY_11).booking is not None
    assert book(elderly_resident(community), lunch, TUESDAY_11).booking is not None


def test_disabled_resource_needs_the_flag(unit, community):
    room = with_hours(ResourceFactory(unit=unit, target_group="DISABLED"), lunch_windows())
    refused(ErrorCode.NOT_ELIGIBLE, lambda: book(person(community), room, TUESDAY_11))


def test_single_sex_session(unit, alice, bob, community):
    bath = with_hours(ResourceFactory(unit=unit, category="BATHHOUSE", capacity=20), [
        lunch_windows()[0].__class__(weekdays=WEEKDAYS, start_time=dt.time(11), end_time=dt.time(12), sex="FEMALE")])
    refused(ErrorCode.NOT_ELIGIBLE, lambda: book(bob, bath, TUESDAY_11))
    refused(ErrorCode.NOT_ELIGIBLE, lambda: book(person(community), bath, TUESDAY_11))  # sex unknown
    assert book(alice, bath, TUESDAY_11).booking is not None


def test_suspended_resident_is_not_eligible_until_the_end(canteen, alice):
    until = NOW + dt.timedelta(days=10)
    Suspension.objects.create(user=alice, starts_at=NOW - dt.timedelta(days=4), until=until)
    error = refused(ErrorCode.NOT_ELIGIBLE, lambda: book(alice, canteen, TUESDAY_11))
    assert error.until == until


def test_archived_resource_and_closed_slot(canteen, admin, alice):
    update_resource(actor=admin, resource=canteen, data=ResourceFields(), archived=True)
    canteen.refresh_from_db()
    refused(ErrorCode.SLOT_CLOSED, lambda: book(alice, canteen, TUESDAY_11))


def test_booking_window_opens_days_before_and_closes_minutes_before(canteen, alice):
    late = TUESDAY_11 - dt.timedelta(minutes=29)
    refused(ErrorCode.OUTSIDE_BOOKING_WINDOW, lambda: book(alice, canteen, TUESDAY_11, now=late), "start")
    far = local(dt.date(2026, 12, 15), 11)  # 15 days ahead; opens 14 days before
    refused(ErrorCode.OUTSIDE_BOOKING_WINDOW, lambda: book(alice, canteen, far), "start")
    assert book(alice, canteen, TUESDAY_11, now=TUESDAY_11 - dt.timedelta(minutes=31)).booking is not None


def test_one_active_booking_per_slot_and_the_active_limit(unit, alice):
    canteen = with_hours(ResourceFactory(unit=unit, max_active_per_resident=2), lunch_windows())
    book(alice, canteen, TUESDAY_11)
    refused(ErrorCode.LIMIT_REACHED, lambda: book(alice, canteen, TUESDAY_11))
    book(alice, canteen, TUESDAY_11 + dt.timedelta(days=1))
    refused(ErrorCode.LIMIT_REACHED, lambda: book(alice, canteen, TUESDAY_11 + dt.timedelta(days=2)))


def test_multi_slot_is_all_or_nothing(unit, community):
    # given capacity 1 and the 12:00 sitting taken
    canteen = with_hours(ResourceFactory(unit=unit, capacity=1), lunch_windows())
    book(person(community), canteen, TUESDAY_11 + dt.timedelta(hours=1))
    # when someone books 11:00 and 12:00 together: FULL, and 11:00 stays free
    refused(ErrorCode.FULL, lambda: book(person(community), canteen, TUESDAY_11, slots=2))
    assert Slot.objects.get(resource=canteen, start=TUESDAY_11).booked == 0
    # and three consecutive slots do not exist
    refused(ErrorCode.NOT_FOUND, lambda: book(person(community), canteen, TUESDAY_11, slots=3), "slots")


def test_multi_slot_books_each_slot(canteen, alice):
    result = book(alice, canteen, TUESDAY_11, slots=2)
    assert [b.start for b in result.bookings] == [TUESDAY_11, TUESDAY_11 + dt.timedelta(hours=1)]
    assert len({b.group for b in result.bookings}) == 1


def test_proxy_booking_for_several_residents_all_or_nothing(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, capacity=2), lunch_windows())
    worker = community_worker(community)
    people = [person(community) for _ in range(3)]
    refused(ErrorCode.FULL, lambda: book(worker, canteen, TUESDAY_11, for_residents=people))
    result = book(worker, canteen, TUESDAY_11, for_residents=people[:2])
    assert [b.user_id for b in result.bookings] == [p.pk for p in people[:2]]
    assert all(b.booked_by_id == worker.pk and len(b.check_in_code) == 6 for b in result.bookings)
