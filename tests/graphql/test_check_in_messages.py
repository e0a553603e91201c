"""The gate's check-in says when a code was used already, and when it is for another day."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.services.bookings import BookingRequest, book_slot

from .conftest import Api
from .world import TUESDAY_11, World

pytestmark = pytest.mark.django_db

CHECK_IN = """mutation($input: CheckInInput!) { checkIn(input: $input) {
  booking { id status checkedInAt } alreadyCheckedIn errors { code message } } }"""


def test_the_api_says_a_code_was_used_already(api: Api, world: World, frozen_clock, monkeypatch) -> None:
    # given the booking checked in once at 10:45
    import core.graphql.context as context

    code = world.booking.check_in_code
    monkeypatch.setattr(context, "clock_now", lambda: TUESDAY_11 - dt.timedelta(minutes=15))
    first = api.post(CHECK_IN, {"input": {"code": code}}, as_user=world["staff_x"]).data["checkIn"]
    # when the same code comes again at 11:05
    monkeypatch.setattr(context, "clock_now", lambda: TUESDAY_11 + dt.timedelta(minutes=5))
    again = api.post(CHECK_IN, {"input": {"code": code}}, as_user=world["staff_x"]).data["checkIn"]
    # then
    assert (first["errors"], first["alreadyCheckedIn"]) == ([], False)
    assert (again["errors"], again["alreadyCheckedIn"]) == ([], True)
    assert again["booking"]["checkedInAt"] == first["booking"]["checkedInAt"]


def test_the_gate_page_shows_already_checked_in_with_the_time(api: Api, world: World, monkeypatch) -> None:
    import core.graphql.context as context

    code = world.booking.check_in_code
    client = api.client_for(world["staff_x"])
    monkeypatch.setattr(context, "clock_now", lambda: TUESDAY_11 - dt.timedelta(minutes=15))
    client.post("/unit/check-in/", {"code": code}, HTTP_HX_REQUEST="true")
    monkeypatch.setattr(context, "clock_now", lambda: TUESDAY_11 + dt.timedelta(minutes=5))
    html = client.post("/unit/check-in/", {"code": code}, HTTP_HX_REQUEST="true").content.decode()
    assert "已于10:45签到" in html


def test_tomorrows_code_says_it_is_for_tomorrow(api: Api, world: World) -> None:
    # given a booking for Wednesday, tried on Monday morning (the world's clock)
    later = book_slot(actor=world["resident_b"], request=BookingRequest(resource=world.canteen,
                                                                        start=TUESDAY_11 + dt.timedelta(days=1)),
                      now=TUESDAY_11 - dt.timedelta(days=1)).bookings[0]
    # when
    answer = api.post(CHECK_IN, {"input": {"code": later.check_in_code}}, as_user=world["staff_x"],
                      headers={"Accept-Language": "zh-hans"})
    # then
    error = answer.data["checkIn"]["errors"][0]
    assert error["code"] == "OUTSIDE_BOOKING_WINDOW" and "12月2日 11:00" in error["message"]
