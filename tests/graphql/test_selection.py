"""A page of bookings joins only the relations its selection shows (core/graphql/selection.py), and
answers the same either way."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .world import World

pytestmark = pytest.mark.django_db

NAMES = "{ myBookings(first: 10) { edges { node { id status resource { name } } } } }"
FULL = """{ myBookings(first: 10) { edges { node { id status resource { name unit { name } subdistrict { name } }
  bookedBy { displayName } standing { id } } } } }"""
FRAGMENTED = """{ myBookings(first: 10) { edges { ...E } } }
fragment E on BookingEdge { node { id ... on Booking { resource { ...R } } } }
fragment R on Resource { name unit { name } }"""


def _sql(api: Any, query: str, client: Any) -> tuple[Any, str]:
    with CaptureQueriesContext(connection) as queries:
        answer = api.post(query, client=client)
    assert answer.status == 200 and not answer.errors, answer.body
    (page,) = [q["sql"] for q in queries.captured_queries if 'FROM "booking_booking"' in q["sql"]]
    return answer, page


def test_a_page_joins_what_its_selection_shows(api: Any, world: World) -> None:
    client = api.client_for(world["resident_a"])
    names, names_sql = _sql(api, NAMES, client)
    full, full_sql = _sql(api, FULL, client)
    fragmented, fragmented_sql = _sql(api, FRAGMENTED, client)
    # the resource's name alone: the resource joined, not its unit nor the booking's other relations
    assert '"marketplace_resource"' in names_sql and '"marketplace_workunit"' not in names_sql
    assert '"marketplace_user"' not in names_sql and '"booking_standingbooking"' not in names_sql
    # the unit, the subdistrict, bookedBy and standing selected: all joined, as before
    assert '"marketplace_workunit"' in full_sql and '"marketplace_subdistrict"' in full_sql
    assert '"booking_standingbooking"' in full_sql and '"marketplace_user"' in full_sql
    # a unit asked for through fragments is seen too
    assert '"marketplace_workunit"' in fragmented_sql
    # and the answers agree where they overlap
    assert [e["node"]["resource"]["name"] for e in full.data["myBookings"]["edges"]] == \
        [e["node"]["resource"]["name"] for e in names.data["myBookings"]["edges"]]
    assert fragmented.data["myBookings"]["edges"][0]["node"]["resource"]["unit"]["name"] == \
        full.data["myBookings"]["edges"][0]["node"]["resource"]["unit"]["name"]


RESOURCES_OWN = """{ resources(near: {lat: 39.912, lon: 116.372}, radiusM: 5000, first: 10) {
  edges { node { id name capacity distanceM(from: {lat: 39.912, lon: 116.372}) } } } }"""
RESOURCES_SLOTS = """{ resources(near: {lat: 39.912, lon: 116.372}, radiusM: 5000, first: 10) {
  edges { node { id name slots(from: "2026-12-01T00:00:00+08:00", to: "2026-12-08T00:00:00+08:00") { id } } } } }"""
RESOURCES_UNIT = """{ resources(near: {lat: 39.912, lon: 116.372}, radiusM: 5000, first: 10) {
  edges { node { id name unit { name } subdistrict { name } } } } }"""


def _resources_sql(api: Any, query: str, client: Any) -> tuple[Any, int, str]:
    with CaptureQueriesContext(connection) as queries:
        answer = api.post(query, client=client)
    assert answer.status == 200 and not answer.errors, answer.body
    (page,) = [q["sql"] for q in queries.captured_queries if 'FROM "marketplace_resource"' in q["sql"]]
    return answer, len(queries.captured_queries), page


def test_a_page_of_resources_joins_its_unit_only_when_shown(api: Any, world: World) -> None:
    client = api.client_for(world["resident_a"])
    own, own_count, own_sql = _resources_sql(api, RESOURCES_OWN, client)
    unit, unit_count, unit_sql = _resources_sql(api, RESOURCES_UNIT, client)
    assert '"marketplace_workunit"' not in own_sql and '"marketplace_subdistrict"' not in own_sql
    assert '"marketplace_workunit"' in unit_sql and '"marketplace_subdistrict"' in unit_sql
    assert own_count == unit_count  # the unit came with the page, not one read per resource
    names = [e["node"]["name"] for e in own.data["resources"]["edges"]]
    assert names and names == [e["node"]["name"] for e in unit.data["resources"]["edges"]]
    assert all(e["node"]["unit"]["name"] for e in unit.data["resources"]["edges"])


def test_a_page_of_resources_joins_its_stored_horizon_only_for_slots(api: Any, world: World) -> None:
    client = api.client_for(world["resident_a"])
    _own, _count, own_sql = _resources_sql(api, RESOURCES_OWN, client)
    with CaptureQueriesContext(connection) as queries:
        slots, _slots_count, slots_sql = _resources_sql(api, RESOURCES_SLOTS, client)
    assert '"booking_resourcehours"' not in own_sql and '"booking_resourcehours"' in slots_sql
    # the horizon came with the page: no read of it per resource
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "booking_resourcehours"')]
    assert len(slots.data["resources"]["edges"]) > 1


def test_slots_after_a_list_without_them_read_the_horizon_once(api: Any, world: World) -> None:
    """The first list registers its resources without the horizon; the second's slots batch over them too."""
    client = api.client_for(world["resident_a"])
    body = RESOURCES_OWN.strip()[1:-1] + " again: " + RESOURCES_SLOTS.strip()[1:-1]
    with CaptureQueriesContext(connection) as queries:
        answer = api.post("{" + body + "}", client=client)
    assert answer.status == 200 and not answer.errors, answer.body
    reads = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "booking_resourcehours"')]
    assert len(reads) <= 1


PAGE = """query($first: Int, $after: String, $statuses: [BookingStatus!], $from: DateTime, $to: DateTime) {
  myBookings(first: $first, after: $after, statuses: $statuses, from: $from, to: $to) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id status start } } } }"""


def test_my_bookings_pages_equal_the_querysets(api: Any, world: World) -> None:
    """The first page comes from a prepared statement, later pages and a full page's total from the
    queryset: every page and total must be the bookings of the viewer in their order."""
    import datetime as dt

    from booking.models import Booking
    from booking.services.bookings import BookingRequest, book_slot
    from booking.services.lifecycle import cancel_booking

    from .world import NOW, TUESDAY_11

    resident = world["resident_a"]
    for day in range(1, 4):  # Wednesday to Friday, beside the world's Tuesday
        made = book_slot(actor=resident, request=BookingRequest(resource=world.canteen,
                                                                start=TUESDAY_11 + dt.timedelta(days=day)), now=NOW)
        if day == 2:
            cancel_booking(actor=resident, booking=made.bookings[0], now=NOW)
    client = api.client_for(resident)
    cases = [{}, {"statuses": ["CONFIRMED"]}, {"statuses": ["CANCELLED", "CONFIRMED"]},
             {"from": (TUESDAY_11 + dt.timedelta(days=1)).isoformat()},
             {"from": TUESDAY_11.isoformat(), "to": (TUESDAY_11 + dt.timedelta(days=3)).isoformat()}]
    for case in cases:
        rows = Booking.objects.filter(user=resident).order_by("start", "id")
        if "statuses" in case:
            rows = rows.filter(status__in=case["statuses"])
        if "from" in case:
            rows = rows.filter(start__gte=dt.datetime.fromisoformat(case["from"]))
        if "to" in case:
            rows = rows.filter(start__lt=dt.datetime.fromisoformat(case["to"]))
        want = [(b.status, b.start) for b in rows]
        got, after = [], None
        while True:
            answer = api.post(PAGE, {"first": 2, "after": after, **case}, client=client)
            assert not answer.errors, answer.body
            page = answer.data["myBookings"]
            assert page["totalCount"] == len(want), case
            got += [(e["node"]["status"], dt.datetime.fromisoformat(e["node"]["start"])) for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert got == want, case
        assert len(want) >= 1
