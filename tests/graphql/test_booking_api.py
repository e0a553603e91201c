"""The booking part through HTTP: slots and availability search, the resident's journey with a bearer
token, the worker's proxy booking, the unit's approval, check-in and closures, notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from graphql_relay import from_global_id, to_global_id

from booking.models import Booking
from booking.services.availability import set_opening_hours
from booking.services.quota import add_quota
from booking.services.slots import slots_between
from marketplace.services.resources import ResourceFields, update_resource
from tests.factories import ResourceFactory

from .conftest import Api
from .world import LUNCH, NOW, TUESDAY_11, TZ, WEDNESDAY_11, World

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on Resource {
  slots(from: $from, to: $to) { id start end capacity booked held remaining quotaRemaining closed sex } } } }"""
BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) {
  booking { id status start quantity checkInCode residentName }
  bookings { id } standing { id weekdays } errors { field code message } } }"""


def slots_of(api: Api, world: World, start: dt.datetime, end: dt.datetime, **kw: Any) -> list[dict[str, Any]]:
    answer = api.post(SLOTS, {"id": world.gid(world.canteen), "from": start.isoformat(), "to": end.isoformat()}, **kw)
    assert answer.status == 200, answer.body
    return answer.data["node"]["slots"]  # type: ignore[no-any-return]


def test_slot_ids_are_stable_for_resource_and_start_before_and_after_storing(api: Api, world: World) -> None:
    # given a day beyond the stored horizon (virtual slots)
    far = dt.datetime(2027, 3, 1, 0, 0, tzinfo=TZ)
    before = slots_of(api, world, far, far + dt.timedelta(days=1))
    # when the slot gets stored (a booking needs it)
    answer = api.post(BOOK, {"input": {"resourceId": world.gid(world.canteen), "start": before[0]["start"]}},
                      as_user=world["resident_a"])
    after = slots_of(api, world, far, far + dt.timedelta(days=1))
    # then
    assert [s["id"] for s in before] == [s["id"] for s in after]
    assert answer.data["bookSlot"]["errors"][0]["code"] == "OUTSIDE_BOOKING_WINDOW"
    node = api.post("query($id: ID!) { node(id: $id) { ... on Slot { start resource { name } } } }",
                    {"id": before[0]["id"]})
    assert node.data["node"] == {"start": before[0]["start"], "resource": {"name": "X食堂"}}


def test_api_slots_equal_the_booking_services_slots_between(api: Api, world: World) -> None:
    # given stored slots, virtual ones beyond the horizon, a closure and a quota rule
    add_quota(community=world.community_a, resource=world.canteen, start_time=dt.time(12),
              end_time=dt.time(13), ends_next_day=False, weekdays=[0, 1, 2, 3, 4], starts_on=dt.date(2026, 12, 1),
              ends_on=dt.date(2027, 6, 30), amount=5, actor=None, now=NOW)
    start, end = dt.datetime(2027, 1, 20, tzinfo=TZ), dt.datetime(2027, 2, 5, tzinfo=TZ)
    # when
    ours = slots_of(api, world, start, end)
    theirs = slots_between([world.canteen.pk], start, end)
    # then
    assert [(s["id"], s["capacity"], s["booked"], s["held"], s["closed"]) for s in ours] == [
        (to_global_id("Slot", v.key), v.capacity, v.booked, v.held, v.closed) for v in theirs]
    assert any(s["held"] == 5 for s in ours)


def test_remaining_is_open_capacity_plus_the_viewers_community_quota_and_zero_outside_the_window(
        api: Api, world: World) -> None:
    # given 5 held for community A on the 12:00 sittings
    add_quota(community=world.community_a, resource=world.canteen, start_time=dt.time(12),
              end_time=dt.time(13), ends_next_day=False, weekdays=[0, 1, 2, 3, 4], starts_on=dt.date(2026, 12, 1),
              ends_on=dt.date(2026, 12, 31), amount=5, actor=None, now=NOW)
    day = dt.datetime(2026, 12, 2, tzinfo=TZ)
    # when
    anonymous = slots_of(api, world, day, day + dt.timedelta(days=1))
    resident_a = slots_of(api, world, day, day + dt.timedelta(days=1), as_user=world["resident_a"])
    resident_b = slots_of(api, world, day, day + dt.timedelta(days=1), as_user=world["resident_b"])
    far = slots_of(api, world, dt.datetime(2027, 1, 20, tzinfo=TZ), dt.datetime(2027, 1, 21, tzinfo=TZ))
    # then: 11:00 has 40 open; 12:00 has 35 open and 5 held for A
    assert [(s["remaining"], s["quotaRemaining"], s["held"]) for s in anonymous] == [(40, 0, 0), (35, 0, 5)]
    assert [(s["remaining"], s["quotaRemaining"]) for s in resident_a] == [(40, 0), (40, 5)]
    assert [(s["remaining"], s["quotaRemaining"]) for s in resident_b] == [(40, 0), (35, 0)]
    assert {s["remaining"] for s in far} == {0}  # booking opens 14 days before


def test_slots_over_more_than_31_days_are_invalid(api: Api, world: World) -> None:
    answer = api.post(SLOTS, {"id": world.gid(world.canteen), "from": "2026-12-01T00:00:00+08:00",
                              "to": "2027-01-02T00:00:00+08:00"})
    assert answer.codes == ["INVALID"]


AVAILABLE = """query($from: DateTime, $to: DateTime, $min: Int) {
  resources(availableFrom: $from, availableTo: $to, minRemaining: $min) { edges { node { name } } } }"""


@pytest.mark.postgres
def test_available_filters_resources_with_a_free_slot_for_the_viewer_in_sql(api: Api, world: World) -> None:
    # given a second canteen with 2 seats, one taken on Tuesday 11:00, and no other sitting that day
    small = ResourceFactory(name="小食堂", unit=world.unit_y, capacity=2)
    set_opening_hours(actor=None, resource=small, windows=LUNCH[:1], now=NOW)
    api.post(BOOK, {"input": {"resourceId": world.gid(small), "start": TUESDAY_11.isoformat()}},
             as_user=world["resident_b"])
    tuesday = {"from": "2026-12-01T10:00:00+08:00", "to": "2026-12-01T11:30:00+08:00"}
    # when
    one = api.post(AVAILABLE, {**tuesday, "min": 1})
    two = api.post(AVAILABLE, {**tuesday, "min": 2})
    # then
    assert [e["node"]["name"] for e in one.data["resources"]["edges"]] == ["X食堂", "小食堂"]
    assert [e["node"]["name"] for e in two.data["resources"]["edges"]] == ["X食堂"]


def test_resident_journey_with_a_bearer_token(api: Api, world: World) -> None:
    # given a client app holding a token for resident B
    token = api.token_for(world["resident_b"])
    # when B books Wednesday lunch, lists it, and cancels it
    booked = api.post(BOOK, {"input": {"resourceId": world.gid(world.canteen), "start": WEDNESDAY_11.isoformat(),
                                       "idempotencyKey": "k1"}}, token=token)
    replay = api.post(BOOK, {"input": {"resourceId": world.gid(world.canteen), "start": WEDNESDAY_11.isoformat(),
                                       "idempotencyKey": "k1"}}, token=token)
    mine = api.post("{ myBookings { totalCount edges { node { id status start residentName checkInCode } } } }",
                    token=token)
    booking_id = booked.data["bookSlot"]["booking"]["id"]
    cancelled = api.post("mutation($id: ID!) { cancelBooking(input: {bookingId: $id}) { booking { status } "
                         "errors { code } } }", {"id": booking_id}, token=token)
    notes = api.post("{ myNotifications { totalCount unreadCount edges { node { kind title message booking { id } } } } }",  # noqa: E501
                     token=token)
    read = api.post("mutation { markNotificationsRead(input: {all: true}) { unreadCount errors { code } } }", token=token)  # noqa: E501
    # then
    assert booked.data["bookSlot"]["errors"] == []
    assert booked.data["bookSlot"]["booking"]["status"] == "CONFIRMED"
    assert booked.data["bookSlot"]["booking"]["start"] == "2026-12-02T11:00:00+08:00"
    assert replay.data["bookSlot"]["booking"]["id"] == booking_id
    assert mine.data["myBookings"]["totalCount"] == 1
    assert mine.data["myBookings"]["edges"][0]["node"]["residentName"] == "李四"
    assert len(mine.data["myBookings"]["edges"][0]["node"]["checkInCode"]) == 6
    assert cancelled.data["cancelBooking"] == {"booking": {"status": "CANCELLED"}, "errors": []}
    assert notes.data["myNotifications"]["totalCount"] >= 1
    assert notes.data["myNotifications"]["edges"][0]["node"]["title"]
    assert read.data["markNotificationsRead"] == {"unreadCount": 0, "errors": []}
    assert Booking.objects.filter(user=world["resident_b"], status="CANCELLED").count() == 1


def test_refusals_come_back_in_the_payload_with_codes_and_fields(api: Api, world: World) -> None:
    # when resident A books the same slot twice, and a start that is no slot's start
    again = api.post(BOOK, {"input": {"resourceId": world.gid(world.canteen), "start": TUESDAY_11.isoformat()}},
                     as_user=world["resident_a"])
    nowhere = api.post(BOOK, {"input": {"resourceId": world.gid(world.canteen),
                                        "start": "2026-12-01T11:17:00+08:00"}}, as_user=world["resident_a"])
    # then
    assert again.status == 200 and again.data["bookSlot"]["errors"][0]["code"] == "LIMIT_REACHED"
    assert nowhere.data["bookSlot"]["errors"][0]["code"] == "NOT_FOUND"
    assert Booking.objects.filter(user=world["resident_a"]).count() == 1


def test_worker_books_for_a_resident_and_sees_the_code(api: Api, world: World) -> None:
    # when
    answer = api.post(BOOK, {"input": {"resourceId": world.gid(world.canteen), "start": WEDNESDAY_11.isoformat(),
                                       "forResidents": [world.gid(world["resident_a"])]}}, as_user=world["worker"])
    # then
    payload = answer.data["bookSlot"]
    assert payload["errors"] == []
    assert payload["booking"]["residentName"] == "张三明"
    assert len(payload["booking"]["checkInCode"]) == 6
    booking = Booking.objects.get(pk=int(from_global_id(payload["bookings"][0]["id"])[1]))
    assert booking.booked_by == world["worker"]


def test_unit_approves_checks_in_and_closes(api: Api, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the canteen asks for approval and resident B books Wednesday
    update_resource(actor=world["admin_x"], resource=world.canteen, data=ResourceFields(requires_approval=True))
    booked = api.post(BOOK, {"input": {"resourceId": world.gid(world.canteen), "start": WEDNESDAY_11.isoformat()}},
                      as_user=world["resident_b"])
    booking = booked.data["bookSlot"]["booking"]
    # when the admin approves, the gate checks B in on Wednesday, and the admin closes Thursday
    decided = api.post("mutation($id: ID!) { decideBooking(input: {bookingId: $id, approve: true}) "
                       "{ booking { status } errors { code } } }", {"id": booking["id"]}, as_user=world["admin_x"])
    import core.graphql.context as context

    monkeypatch.setattr(context, "clock_now", lambda: WEDNESDAY_11 - dt.timedelta(minutes=10))
    checked = api.post("mutation($c: String!) { checkIn(input: {code: $c}) { booking { status residentName } "
                       "errors { code } } }", {"c": booking["checkInCode"]}, as_user=world["staff_x"])
    closed = api.post('mutation($id: ID!) { closeSlots(input: {resourceId: $id, from: "2026-12-03T00:00:00+08:00", '
                      'to: "2026-12-04T00:00:00+08:00", reason: "停水"}) { closedSlots cancelledBookings errors { code } } }',  # noqa: E501
                      {"id": world.gid(world.canteen)}, as_user=world["admin_x"])
    # then
    assert booking["status"] == "PENDING"
    assert decided.data["decideBooking"] == {"booking": {"status": "CONFIRMED"}, "errors": []}
    assert checked.data["checkIn"] == {"booking": {"status": "CHECKED_IN", "residentName": "李*"}, "errors": []}
    assert closed.data["closeSlots"] == {"closedSlots": 2, "cancelledBookings": 0, "errors": []}


def test_kitchen_sheet_for_unit_staff(api: Api, world: World) -> None:
    # when
    answer = api.post('query($r: ID!) { kitchenSheet(resource: $r, date: "2026-12-01") '
                      '{ slot { start } confirmed checkedIn notes } }', {"r": world.gid(world.canteen)},
                      as_user=world["staff_x"])
    # then
    assert answer.data["kitchenSheet"][0] == {"slot": {"start": "2026-12-01T11:00:00+08:00"}, "confirmed": 1,
                                              "checkedIn": 0, "notes": ["清真"]}


def test_a_full_slot_offers_the_waitlist_with_a_position(api: Api, world: World) -> None:
    # given a one-seat canteen taken by resident A on Tuesday 11:00
    small = ResourceFactory(name="一座食堂", unit=world.unit_x, capacity=1)
    set_opening_hours(actor=None, resource=small, windows=LUNCH[:1], now=NOW)
    first = {"input": {"resourceId": world.gid(small), "start": TUESDAY_11.isoformat()}}
    api.post(BOOK, first, as_user=world["resident_a"])
    # when B books without and then with the waitlist
    full = api.post(BOOK, first, as_user=world["resident_b"])
    waiting = api.post(BOOK, {"input": {**first["input"], "joinWaitlist": True}}, as_user=world["resident_b"])
    mine = api.post("{ myBookings(statuses: [WAITLISTED]) { edges { node { status waitlistPosition } } } }",
                    as_user=world["resident_b"])
    # then
    assert full.data["bookSlot"]["errors"][0]["code"] == "FULL"
    assert waiting.data["bookSlot"]["booking"]["status"] == "WAITLISTED"
    assert mine.data["myBookings"]["edges"] == [{"node": {"status": "WAITLISTED", "waitlistPosition": 1}}]
