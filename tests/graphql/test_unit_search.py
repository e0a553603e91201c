"""Unit staff and admins find a booking by its check-in code, its plate or the resident's full name,
exactly; never by a part of a name, which would unmask the name `residentName` masks (issue 11, item 2)."""

from __future__ import annotations

import pytest

from booking.models import Booking
from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from tests.factories import ResourceFactory, resident

from .conftest import Api
from .world import LUNCH, NOW, TUESDAY_11, World

pytestmark = pytest.mark.django_db

SEARCH = "query($s: String) { unitBookings(search: $s) { edges { node { residentName plateNumber } } } }"


@pytest.fixture
def wang(world: World) -> Booking:
    person = resident(world.community_a, username="wang", full_name="王建国")
    parking = ResourceFactory(name="X停车场", unit=world.unit_x, category="PARKING", capacity=10)
    set_opening_hours(actor=None, resource=parking, windows=LUNCH, now=NOW)
    return book_slot(actor=person, request=BookingRequest(resource=parking, start=TUESDAY_11,
                                                          plate_number="京A12345"), now=NOW).bookings[0]


def found(api: Api, world: World, role: str, search: str) -> list[dict[str, str]]:
    answer = api.post(SEARCH, {"s": search}, as_user=world[role])
    assert answer.status == 200 and not answer.errors, answer.body
    return [e["node"] for e in answer.data["unitBookings"]["edges"]]


@pytest.mark.parametrize("role", ["admin_x", "staff_x"])
@pytest.mark.parametrize("part", ["王建", "建国", "王", "国", "京A123", "12345", "A12345"])
def test_a_part_of_a_name_or_plate_finds_nothing(api: Api, world: World, wang: Booking, role: str, part: str) -> None:
    assert found(api, world, role, part) == []


@pytest.mark.parametrize("role", ["admin_x", "staff_x"])
def test_the_full_name_the_plate_or_the_code_finds_the_booking(api: Api, world: World, wang: Booking,
                                                               role: str) -> None:
    for search in ["王建国", " 王建国 ", "京A12345", "京a12345", "京A·12345", wang.check_in_code]:
        assert found(api, world, role, search) == [{"residentName": "王*国", "plateNumber": "京A12345"}], search
