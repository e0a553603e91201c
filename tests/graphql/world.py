"""A small district for API tests: two communities, two units, one canteen with lunch hours, one
person per role, a booking, a need, a match run with a proposed allocation; the clock fixed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from graphql_relay import to_global_id

from booking.models import Booking
from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from booking.services.hours import WindowSpec
from marketplace.models import Community, Resource, User, WorkUnit
from matching.models import Allocation, MatchRun, Need
from matching.services.needs import NeedFields, post_need
from tests.factories import (
    CommunityFactory,
    ResourceFactory,
    SubdistrictFactory,
    WorkUnitFactory,
    community_worker,
    district_staff,
    resident,
    unit_admin,
    unit_staff,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # a Monday morning
TUESDAY_11 = dt.datetime(2026, 12, 1, 11, 0, tzinfo=TZ)
WEDNESDAY_11 = dt.datetime(2026, 12, 2, 11, 0, tzinfo=TZ)
ROLES = ["anonymous", "resident_a", "resident_b", "admin_x", "admin_y", "staff_x", "worker", "staff"]
LUNCH = [WindowSpec(weekdays=(0, 1, 2, 3, 4), start_time=dt.time(11), end_time=dt.time(12)),
         WindowSpec(weekdays=(0, 1, 2, 3, 4), start_time=dt.time(12), end_time=dt.time(13))]


@dataclass
class World:
    community_a: Community
    community_b: Community
    unit_x: WorkUnit
    unit_y: WorkUnit
    canteen: Resource
    people: dict[str, User | None]
    booking: Booking
    need: Need
    run: MatchRun
    allocation: Allocation

    def gid(self, obj: Any) -> str:
        name = {"WorkUnit": "WorkUnit", "Community": "Community"}.get(type(obj).__name__, type(obj).__name__)
        return to_global_id(name, obj.pk)

    def __getitem__(self, role: str) -> User | None:
        return self.people[role]


def build_world() -> World:
    subdistrict = SubdistrictFactory(name="西长安街")
    community_a = CommunityFactory(name="甲社区", subdistrict=subdistrict)
    community_b = CommunityFactory(name="乙社区", subdistrict=subdistrict, lat=39.95)
    unit_x = WorkUnitFactory(name="X部委", subdistrict=subdistrict)
    unit_y = WorkUnitFactory(name="Y公司", subdistrict=subdistrict)
    canteen = ResourceFactory(name="X食堂", unit=unit_x, capacity=40, check_in_required=True)
    set_opening_hours(actor=None, resource=canteen, windows=LUNCH, now=NOW)
    ResourceFactory(name="Y停车场", unit=unit_y, category="PARKING", capacity=10)
    people: dict[str, User | None] = {
        "anonymous": None,
        "resident_a": resident(community_a, username="res-a", full_name="张三明", email="a@example.com",
                               phone="13812341234", born=dt.date(1950, 5, 1)),
        "resident_b": resident(community_b, username="res-b", full_name="李四"),
        "admin_x": unit_admin(unit_x, username="admin-x"),
        "admin_y": unit_admin(unit_y, username="admin-y"),
        "staff_x": unit_staff(unit_x, username="gate-x"),
        "worker": community_worker(community_a, username="worker-a"),
        "staff": district_staff(username="district"),
    }
    booking = book_slot(actor=people["resident_a"], request=BookingRequest(resource=canteen, start=TUESDAY_11,
                                                                         note="清真"), now=NOW).bookings[0]
    need = post_need(actor=people["worker"], data=NeedFields(
        category="CANTEEN", title="老年人午餐", quantity=10, weekday_pattern="WEEKDAYS", start_time=dt.time(11),
        end_time=dt.time(12), starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 31)), now=NOW)
    run = MatchRun.objects.create(status="SUCCEEDED", horizon_start=dt.date(2026, 12, 1), created_at=NOW,
                                  demand_quantity=10, served_quantity=10, progress=1.0)
    allocation = Allocation.objects.create(
        need=need, community=community_a, resource=canteen, match_run=run, quantity=10, distance_m=420,
        weekdays=[0, 1, 2, 3, 4], start_time=dt.time(11), end_time=dt.time(12), starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 12, 31))
    return World(community_a, community_b, unit_x, unit_y, canteen, people, booking, need, run, allocation)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    import core.graphql.context as context

    monkeypatch.setattr(context, "clock_now", lambda: NOW)
    return NOW


@pytest.fixture
def world(db: None, frozen_clock: dt.datetime) -> World:
    return build_world()
