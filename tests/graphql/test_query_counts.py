"""No N+1: list queries cost a fixed number of SQL queries whatever the page size."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from matching.models import Allocation
from matching.services.needs import NeedFields, post_need
from tests.factories import CommunityFactory, ResourceFactory, WorkUnitFactory, resident

from .conftest import Api
from .world import LUNCH, NOW, TUESDAY_11, World

pytestmark = pytest.mark.django_db

# first: 20, not 100: a week of slots is estimated at 20 windows a day per resource (core.graphql.limits),
# so 100 resources with their week of slots pass the cost budget no more.
RESOURCES = """{ resources(first: 20) { totalCount edges { node { id name unit { name kind } subdistrict { name }
  openingHours { startTime capacity }
  slots(from: "2026-11-30T00:00:00+08:00", to: "2026-12-07T00:00:00+08:00") { id start remaining quotaRemaining booked }
} } } }"""


def many_resources(count: int) -> None:
    for i in range(count):
        resource = ResourceFactory(name=f"r{i:03}", unit=WorkUnitFactory())
        set_opening_hours(actor=None, resource=resource, windows=LUNCH, now=NOW)


@pytest.mark.postgres
def test_resources_page_of_20_with_units_subdistricts_and_a_week_of_slots(api: Api, frozen_clock: Any,
                                                                           django_assert_max_num_queries: Any) -> None:
    # given 100 resources with opening hours, and a resident of a community (quota lookups)
    many_resources(20)
    person = resident(CommunityFactory())
    client = api.client_for(person)
    # when
    with django_assert_max_num_queries(6 + 3):  # +3: the session, the user and their roles
        answer = api.post(RESOURCES, client=client)
    # then
    edges = answer.data["resources"]["edges"]
    assert len(edges) == 20
    assert all(len(e["node"]["slots"]) == 10 for e in edges)


@pytest.mark.postgres
def test_resources_query_count_does_not_grow_with_the_page(api: Api, frozen_clock: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given
    many_resources(30)
    client = api.client_for(resident(CommunityFactory()))  # signed in: the anonymous budget is smaller
    # when
    with CaptureQueriesContext(connection) as small:
        api.post(RESOURCES.replace("first: 20", "first: 3"), client=client)
    with CaptureQueriesContext(connection) as large:
        api.post(RESOURCES, client=client)
    # then
    assert len(large) == len(small) <= 6 + 3  # +3: the session, the user and their roles


@pytest.mark.postgres
def test_my_bookings_page_of_100(api: Api, frozen_clock: Any, django_assert_max_num_queries: Any) -> None:
    # given a resident with bookings at 20 canteens
    person = resident(CommunityFactory())
    for i in range(20):
        resource = ResourceFactory(name=f"c{i}", unit=WorkUnitFactory())
        set_opening_hours(actor=None, resource=resource, windows=LUNCH, now=NOW)
        book_slot(actor=person, request=BookingRequest(resource=resource, start=TUESDAY_11, note="n"), now=NOW)
    query = """{ myBookings(first: 100) { totalCount edges { node { id start status residentName checkInCode
      calendarUrl note waitlistPosition resource { name unit { name } } bookedBy { displayName }
        standing { id } } } } }"""
    client = api.client_for(person)
    # when
    with django_assert_max_num_queries(4 + 3):
        answer = api.post(query, client=client)
    # then
    assert answer.data["myBookings"]["totalCount"] == 20


@pytest.mark.postgres
def test_needs_page_of_100_with_allocations(api: Api, world: World, django_assert_max_num_queries: Any) -> None:
    # given 30 needs with an allocation each
    for i in range(30):
        need = post_need(actor=world["worker"], data=NeedFields(
            category="CANTEEN", title=f"need {i}", quantity=2, weekday_pattern="WEEKDAYS", start_time=dt.time(11),
            end_time=dt.time(12), starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 31)), now=NOW)
        Allocation.objects.create(need=need, community=world.community_a, resource=world.canteen, match_run=world.run,
                                  quantity=1, distance_m=100, weekdays=[0], start_time=dt.time(11),
                                  end_time=dt.time(12), starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 31))
    # first: 30: a need's allocations are estimated at their bound of 50 each (core.graphql.limits)
    query = """{ needs(first: 30) { totalCount edges { node { id title status servedQuantity supporters viewerSupports
      community { name subdistrict { name } } unservedReasons { code blockingNeed { id } }
      allocations { id quantity status resource { name unit { name } } community { name } need { title } } } } } }"""
    client = api.client_for(world["worker"])
    # when
    with django_assert_max_num_queries(7 + 3):
        answer = api.post(query, client=client)
    # then
    assert answer.data["needs"]["totalCount"] == 31
    assert all(len(e["node"]["allocations"]) == 1 for e in answer.data["needs"]["edges"])


@pytest.mark.postgres
def test_district_map_and_stats(api: Api, world: World, django_assert_max_num_queries: Any) -> None:
    # given more resources
    many_resources(20)
    query = """{ districtMap(from: "2026-11-30", to: "2026-12-31") { resources { id category
      location { lat lon } utilisation }
      communities { id location { lat } servedRate } } }"""
    client = api.client_for(world["staff"])
    # when
    with django_assert_max_num_queries(6 + 4):  # + the proposals waiting for units (the map's states)
        answer = api.post(query, client=client)
    # then
    assert len(answer.data["districtMap"]["resources"]) == 22
    assert len(answer.data["districtMap"]["communities"]) == 2
