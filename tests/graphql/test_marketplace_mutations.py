"""Marketplace mutations through HTTP: publishing with opening hours (idempotent), updating with the
bookings left outside new hours, coded field paths, and the worker's resident updates."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.models import AuditEntry, Resource

from .conftest import Api
from .world import World

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

PUBLISH = """mutation($input: PublishResourceInput!) { publishResource(input: $input) {
  resource { id name category bookingMode capacity unit { name } openingHours { weekdays startTime endTime capacity } }
  errors { field code message } } }"""


def hall(**overrides: Any) -> dict[str, Any]:
    values = {"name": "礼堂", "category": "HALL", "address": "北京市西城区1号",
              "location": {"lat": 39.91, "lon": 116.37}, "capacity": 200,
              "openingHours": [{"weekdays": [5, 6], "startTime": "14:00", "endTime": "17:00"}],
              "idempotencyKey": "hall-1"}
    values.update(overrides)
    return values


def test_publish_with_hours_is_idempotent(api: Api, world: World) -> None:
    # when the same call is sent twice
    first = api.post(PUBLISH, {"input": hall()}, as_user=world["admin_x"])
    second = api.post(PUBLISH, {"input": hall()}, as_user=world["admin_x"])
    other = api.post(PUBLISH, {"input": hall(name="另一个礼堂")}, as_user=world["admin_x"])
    # then
    resource = first.data["publishResource"]["resource"]
    assert first.data["publishResource"]["errors"] == []
    assert resource["bookingMode"] == "EXCLUSIVE" and resource["unit"] == {"name": "X部委"}
    assert resource["openingHours"] == [{"weekdays": [5, 6], "startTime": "14:00", "endTime": "17:00", "capacity": 1}]
    assert second.data["publishResource"]["resource"]["id"] == resource["id"]
    assert other.data["publishResource"]["errors"][0]["code"] == "CONFLICT"
    assert Resource.objects.filter(name="礼堂").count() == 1


def test_invalid_input_names_every_field_and_writes_nothing(api: Api, world: World) -> None:
    # given
    before = (Resource.objects.count(), AuditEntry.objects.count())
    bad = hall(name="x", capacity=0, location={"lat": 10.0, "lon": 10.0}, idempotencyKey=None,
               openingHours=[{"weekdays": [1], "startTime": "09:00", "endTime": "10:00"},
                             {"weekdays": [9], "startTime": "18:00", "endTime": "17:00"}])
    # when
    answer = api.post(PUBLISH, {"input": bad}, as_user=world["admin_x"])
    # then
    errors = answer.data["publishResource"]["errors"]
    assert answer.data["publishResource"]["resource"] is None
    assert {e["code"] for e in errors} == {"INVALID"}
    assert {"name", "capacity", "location"} <= {e["field"] for e in errors}
    assert (Resource.objects.count(), AuditEntry.objects.count()) == before


def test_bad_opening_hours_name_the_window(api: Api, world: World) -> None:
    bad = hall(idempotencyKey=None, openingHours=[{"weekdays": [1], "startTime": "09:00", "endTime": "10:00"},
                                                  {"weekdays": [2], "startTime": "18:00", "endTime": "17:00"}])
    answer = api.post(PUBLISH, {"input": bad}, as_user=world["admin_x"])
    errors = answer.data["publishResource"]["errors"]
    assert errors and all(e["code"] == "INVALID" for e in errors)
    assert any((e["field"] or "").startswith("openingHours.1") for e in errors), errors


def test_new_hours_list_the_bookings_left_outside(api: Api, world: World) -> None:
    # when the canteen keeps only its 12:00 sitting (A's booking is at 11:00)
    answer = api.post("""mutation($id: ID!) { updateResource(input: {resourceId: $id,
      openingHours: [{weekdays: [0, 1, 2, 3, 4], startTime: "12:00", endTime: "13:00"}]}) {
      resource { openingHours { startTime } } bookingsOutsideHours { id start status } errors { code } } }""",
                      {"id": world.gid(world.canteen)}, as_user=world["admin_x"])
    # then
    payload = answer.data["updateResource"]
    assert payload["errors"] == []
    assert payload["resource"]["openingHours"] == [{"startTime": "12:00"}]
    assert payload["bookingsOutsideHours"] == [{"id": world.gid(world.booking), "start": "2026-12-01T11:00:00+08:00",
                                                "status": "CONFIRMED"}]


def test_lowering_capacity_below_what_is_booked_is_conflict(api: Api, world: World) -> None:
    # given a two-seat canteen with one seat booked
    from booking.services.availability import set_opening_hours
    from booking.services.bookings import BookingRequest, book_slot
    from tests.factories import ResourceFactory

    from .world import LUNCH, NOW, TUESDAY_11

    small = ResourceFactory(name="小", unit=world.unit_x, capacity=2)
    set_opening_hours(actor=None, resource=small, windows=LUNCH[:1], now=NOW)
    book_slot(actor=world["resident_a"], request=BookingRequest(resource=small, start=TUESDAY_11, quantity=2), now=NOW)
    # when
    answer = api.post("mutation($id: ID!) { updateResource(input: {resourceId: $id, capacity: 1}) "
                      "{ resource { capacity } errors { field code } } }", {"id": world.gid(small)},
                      as_user=world["admin_x"])
    # then
    assert answer.data["updateResource"]["errors"][0]["code"] == "CONFLICT"
    small.refresh_from_db()
    assert small.capacity == 2


def test_worker_records_consent_and_disability(api: Api, world: World) -> None:
    query = """mutation($id: ID!, $d: Boolean, $c: Boolean) { updateResident(input: {residentId: $id, disabled: $d,
      consentRecorded: $c}) { resident { eligibleGroups } errors { field code } } }"""
    # when
    without = api.post(query, {"id": world.gid(world["resident_a"]), "d": True}, as_user=world["worker"])
    with_consent = api.post(query, {"id": world.gid(world["resident_a"]), "d": True, "c": True},
                            as_user=world["worker"])
    # then
    assert without.data["updateResident"]["errors"] == [{"field": "consentRecorded", "code": "INVALID"}]
    assert with_consent.data["updateResident"] == {"resident": {"eligibleGroups": ["ANYONE", "ELDERLY", "DISABLED"]},
                                                   "errors": []}


def test_personal_fields_are_hidden_and_names_masked_for_a_unit(api: Api, world: World) -> None:
    # given the worker booked for resident A
    api.post("""mutation($id: ID!, $who: [ID!]) { bookSlot(input: {resourceId: $id, start: "2026-12-02T11:00:00+08:00",
      forResidents: $who}) { errors { code } } }""",
             {"id": world.gid(world.canteen), "who": [world.gid(world["resident_a"])]}, as_user=world["worker"])
    query = """{ unitBookings(statuses: [CONFIRMED]) { edges { node { residentName checkInCode calendarUrl
      bookedBy { displayName email phone birthDate eligibleGroups calendarFeedUrl } } } } }"""
    # when
    answer = api.post(query, as_user=world["admin_x"])
    # then
    nodes = [e["node"] for e in answer.data["unitBookings"]["edges"]]
    assert {n["residentName"] for n in nodes} == {"张*明"}
    assert all(n["checkInCode"] is None and n["calendarUrl"] is None for n in nodes)
    proxied = [n for n in nodes if n["bookedBy"]]
    assert proxied == [{"residentName": "张*明", "checkInCode": None, "calendarUrl": None, "bookedBy": {
        "displayName": "w*******", "email": None, "phone": None, "birthDate": None, "eligibleGroups": [],
        "calendarFeedUrl": None}}]
