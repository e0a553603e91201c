"""Matching fixtures: a small district with opening hours (through the booking services), people, and
deterministic solver settings (one CP-SAT worker, fixed seed, deterministic time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from booking.services.availability import set_opening_hours
from booking.services.hours import WindowSpec
from marketplace.models import Community, Resource
from matching.services.needs import NeedFields, post_need
from tests.factories import (
    CommunityFactory,
    ResourceFactory,
    SubdistrictFactory,
    WorkUnitFactory,
    community_worker,
    district_staff,
    unit_admin,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # a Monday; December 2026 has no public holiday
WEEKDAYS = (0, 1, 2, 3, 4)


@pytest.fixture(autouse=True)
def _deterministic_solver(settings):  # type: ignore[no-untyped-def]
    settings.MATCHING_TIME_LIMIT_S = 5.0
    settings.MATCHING_DETERMINISTIC_TIME = 2.0


def lunch(capacity: int | None = None) -> list[WindowSpec]:
    return [WindowSpec(weekdays=WEEKDAYS, start_time=dt.time(11), end_time=dt.time(12), capacity=capacity),
            WindowSpec(weekdays=WEEKDAYS, start_time=dt.time(12), end_time=dt.time(13), capacity=capacity)]


def canteen_with_hours(unit, *, capacity: int = 40, lat: float = 39.912, lon: float = 116.372,
                       **kwargs) -> Resource:  # type: ignore[no-untyped-def]
    resource = ResourceFactory(unit=unit, category="CANTEEN", capacity=capacity, lat=lat, lon=lon, **kwargs)
    set_opening_hours(actor=None, resource=resource, windows=lunch(), now=NOW)
    return resource


def lunch_need(worker, *, quantity: int = 20, start: dt.time = dt.time(11), end: dt.time = dt.time(12, 30),
               **kwargs):  # type: ignore[no-untyped-def]
    values = {"category": "CANTEEN", "title": "老年人工作日午餐", "quantity": quantity,
              "weekday_pattern": "WEEKDAYS", "start_time": start, "end_time": end,
              "starts_on": dt.date(2026, 12, 1), "ends_on": dt.date(2026, 12, 31), "target_group": "ANYONE"}
    values.update(kwargs)
    return post_need(actor=worker, data=NeedFields(**values), now=NOW)


@pytest.fixture
def subdistrict():
    return SubdistrictFactory()


@pytest.fixture
def community(subdistrict) -> Community:
    return CommunityFactory(subdistrict=subdistrict, lat=39.91, lon=116.37)


@pytest.fixture
def worker(community):
    return community_worker(community)


@pytest.fixture
def staff():
    return district_staff()


@pytest.fixture
def unit(subdistrict):
    return WorkUnitFactory(subdistrict=subdistrict)


@pytest.fixture
def admin(unit):
    return unit_admin(unit)


@pytest.fixture
def canteen(unit) -> Resource:
    return canteen_with_hours(unit, capacity=40)
