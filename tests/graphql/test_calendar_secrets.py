"""rotateCalendarSecret: a new secret address for a booking's .ics or the viewer's feed; the old one
answers 404 from then on. A cancelled booking's .ics says CANCELLED and carries no check-in code."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import Client
from icalendar import Calendar

from booking.services.lifecycle import cancel_booking

from .conftest import Api
from .world import NOW, World

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROTATE = """mutation($input: RotateCalendarSecretInput!) { rotateCalendarSecret(input: $input) {
  calendarUrl calendarFeedUrl errors { field code message } } }"""
URLS = """query { me { calendarFeedUrl } myBookings { edges { node { id calendarUrl } } } }"""


def _path(url: str) -> str:
    return urlparse(url).path


def _urls(api: Api, world: World) -> dict[str, Any]:
    answer = api.post(URLS, as_user=world["resident_a"])
    return {"feed": answer.data["me"]["calendarFeedUrl"],
            "booking": answer.data["myBookings"]["edges"][0]["node"]["calendarUrl"]}


def test_rotating_a_booking_address_retires_the_old_one(api: Api, world: World) -> None:
    # given
    before = _urls(api, world)
    assert Client().get(_path(before["booking"])).status_code == 200
    # when
    answer = api.post(ROTATE, {"input": {"bookingId": world.gid(world.booking)}}, as_user=world["resident_a"])
    # then
    payload = answer.data["rotateCalendarSecret"]
    assert payload["errors"] == []
    assert payload["calendarUrl"] and payload["calendarUrl"] != before["booking"]
    assert Client().get(_path(before["booking"])).status_code == 404
    assert Client().get(_path(payload["calendarUrl"])).status_code == 200
    assert _urls(api, world)["feed"] == before["feed"]  # the feed is untouched


def test_rotating_the_feed_address_retires_the_old_one(api: Api, world: World) -> None:
    # given
    before = _urls(api, world)
    # when
    answer = api.post(ROTATE, {"input": {}}, as_user=world["resident_a"])
    # then
    payload = answer.data["rotateCalendarSecret"]
    assert payload["errors"] == [] and payload["calendarUrl"] is None
    assert payload["calendarFeedUrl"] != before["feed"]
    assert Client().get(_path(before["feed"])).status_code == 404
    assert Client().get(_path(payload["calendarFeedUrl"])).status_code == 200


def test_the_same_key_rotates_once(api: Api, world: World) -> None:
    # given
    variables = {"input": {"idempotencyKey": "rotate-1"}}
    # when
    first = api.post(ROTATE, variables, as_user=world["resident_a"]).data["rotateCalendarSecret"]
    second = api.post(ROTATE, variables, as_user=world["resident_a"]).data["rotateCalendarSecret"]
    # then
    assert first["calendarFeedUrl"] == second["calendarFeedUrl"]


@pytest.mark.parametrize("role", ["resident_b", "admin_x", "staff_x", "worker", "staff"])
def test_nobody_else_rotates_a_booking_address(api: Api, world: World, role: str) -> None:
    # given
    before = _urls(api, world)
    # when
    answer = api.post(ROTATE, {"input": {"bookingId": world.gid(world.booking)}}, as_user=world[role])
    # then
    codes = [e["code"] for e in answer.data["rotateCalendarSecret"]["errors"]]
    assert codes in (["NOT_FOUND"], ["PERMISSION_DENIED"])
    assert Client().get(_path(before["booking"])).status_code == 200


def test_anonymous_is_refused(api: Api, world: World) -> None:
    answer = api.post(ROTATE, {"input": {}})
    assert [e["code"] for e in answer.data["rotateCalendarSecret"]["errors"]] == ["UNAUTHENTICATED"]


def test_a_cancelled_booking_ics_is_cancelled_and_has_no_code(api: Api, world: World) -> None:
    # given
    url = _urls(api, world)["booking"]
    code = world.booking.check_in_code
    # when
    cancel_booking(actor=world["resident_a"], booking=world.booking, reason="", now=NOW)
    # then
    body = Client().get(_path(url)).content
    event = next(c for c in Calendar.from_ical(body).walk() if c.name == "VEVENT")
    assert str(event["status"]) == "CANCELLED"
    assert code not in body.decode()
