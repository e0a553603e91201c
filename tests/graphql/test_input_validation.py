"""Input reaches the database checked (issue 11, item 6): every text input is trimmed and refused when
too long for its column or when it holds control characters (NUL included), plates are checked on
every kind of resource, quantities and counts are at least 1, and malformed global IDs and cursors
answer INVALID, NOT_FOUND or null. Each a coded error with HTTP 200 and nothing written; on SQLite and
PostgreSQL (where a NUL or an over-long value was a DataError, "Internal server error")."""

from __future__ import annotations

import base64

import pytest
from graphql_relay import to_global_id

from booking.models import Booking
from matching.models import Need

from .conftest import Api
from .world import World

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.postgres]

BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) { booking { id quantity note plateNumber }
  errors { field code message } } }"""
POST_NEED = """mutation($input: PostNeedInput!) { postNeed(input: $input) { need { id title }
  errors { field code } } }"""
WEDNESDAY = "2026-12-02T11:00:00+08:00"


def book(api: Api, world: World, as_role: str = "resident_a", **fields: object) -> dict:
    before = Booking.objects.count()
    answer = api.post(BOOK, {"input": {"resourceId": world.gid(world.canteen), "start": WEDNESDAY, **fields}},
                      as_user=world[as_role])
    assert answer.status == 200, answer.body
    assert not answer.errors, answer.body
    payload = answer.data["bookSlot"]
    if payload["errors"]:
        assert Booking.objects.count() == before
    return payload  # type: ignore[no-any-return]


def codes(payload: dict) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


@pytest.mark.parametrize("note", ["清真\x00", "a\x00b", "\x07铃", "x\x1bY", "a" * 201])
def test_a_note_with_a_control_character_or_too_long_is_refused(api: Api, world: World, note: str) -> None:
    payload = book(api, world, note=note)
    assert codes(payload) == [("note", "INVALID")]
    assert payload["booking"] is None


def test_a_note_is_trimmed_and_may_hold_new_lines(api: Api, world: World) -> None:
    payload = book(api, world, note="  不要辣\n少盐  ")
    assert payload["errors"] == []
    assert payload["booking"]["note"] == "不要辣\n少盐"


@pytest.mark.parametrize("plate", ["京A1234567890123456789"[:20], "京A" + "1" * 4998, "京A12345\x00"])
def test_a_long_or_broken_plate_is_refused_on_a_canteen_too(api: Api, world: World, plate: str) -> None:
    assert len(plate) in (20, 5000, 8)
    payload = book(api, world, plateNumber=plate)
    assert codes(payload) == [("plateNumber", "INVALID")]


def test_a_valid_plate_on_a_canteen_is_kept(api: Api, world: World) -> None:
    payload = book(api, world, plateNumber=" 京a·12345 ")
    assert payload["errors"] == [] and payload["booking"]["plateNumber"] == "京A12345"


@pytest.mark.parametrize(("field", "value"), [("quantity", 0), ("quantity", -3), ("slots", 0), ("slots", -1)])
def test_quantities_and_counts_below_1_are_refused(api: Api, world: World, field: str, value: int) -> None:
    payload = book(api, world, **{field: value})
    assert codes(payload) == [(field, "INVALID")]


@pytest.mark.parametrize("title", ["午餐\x00", "\x00", "a" * 121])
def test_a_need_title_with_nul_or_too_long_is_refused(api: Api, world: World, title: str) -> None:
    before = Need.objects.count()
    answer = api.post(POST_NEED, {"input": {"category": "CANTEEN",
                                            "title": title, "quantity": 3, "weekdayPattern": "WEEKDAYS",
                                            "startTime": "11:00", "endTime": "12:00", "startsOn": "2026-12-01",
                                            "endsOn": "2026-12-31"}}, as_user=world["worker"])
    assert answer.status == 200 and not answer.errors, answer.body
    assert answer.data["postNeed"]["errors"] == [{"field": "title", "code": "INVALID"}]
    assert Need.objects.count() == before


UNICODE_DIGITS = ["²", "١٢", "１", "٣", "𝟗", "1²", " 1", "1_0", "+1", "-1", "9" * 30]


@pytest.mark.parametrize("pk", UNICODE_DIGITS)
def test_malformed_global_ids_are_null_or_not_found(api: Api, world: World, pk: str) -> None:
    for type_name in ("Booking", "Resource", "StandingBooking", "Need", "User"):
        gid = to_global_id(type_name, pk)
        node = api.post("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, as_user=world["staff"])
        assert node.status == 200 and node.body == {"data": {"node": None}}, node.body
    cancel = api.post("""mutation($id: ID!) { cancelBooking(input: {bookingId: $id}) { errors { field code } } }""",
                      {"id": to_global_id("Booking", pk)}, as_user=world["resident_a"])
    assert cancel.status == 200 and not cancel.errors, cancel.body
    assert cancel.data["cancelBooking"]["errors"][0]["code"] in ("NOT_FOUND", "INVALID")


@pytest.mark.parametrize("offset", ["99999999999999999999", "²", "١", "-5", " 3", "3_0", "1e3"])
def test_malformed_cursors_are_invalid(api: Api, world: World, offset: str) -> None:
    cursor = base64.b64encode(f"cursor:{offset}".encode()).decode()
    for query in ("query($a: String) { resources(after: $a) { totalCount edges { node { id } } } }",
                  "query($a: String) { myBookings(after: $a) { edges { node { id } } } }"):
        answer = api.post(query, {"a": cursor}, as_user=world["resident_a"])
        assert answer.status == 200, answer.body
        assert answer.codes == ["INVALID"], answer.body


@pytest.mark.parametrize("search", ["\x00", "食堂\x00"])
def test_a_nul_in_a_search_argument_is_invalid(api: Api, world: World, search: str) -> None:
    for query in ("query($s: String) { resources(search: $s) { totalCount } }",
                  "query($s: String) { unitBookings(search: $s) { totalCount } }",
                  "query($s: String) { communities(search: $s) { totalCount } }"):
        answer = api.post(query, {"s": search}, as_user=world["admin_x"])
        assert answer.status == 200, answer.body
        assert answer.codes == ["INVALID"], answer.body
