"""Booking fixtures: an injected clock, resources with opening hours, residents."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from booking.services.hours import WindowSpec
from marketplace.models import Resource, User
from tests.factories import CommunityFactory, ResourceFactory, WorkUnitFactory, resident, unit_admin

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning in the district; December 2026 has no public holiday.
NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)
WEEKDAYS = (0, 1, 2, 3, 4)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def lunch_windows(capacity: int | None = None) -> list[WindowSpec]:
    return [WindowSpec(weekdays=WEEKDAYS, start_time=dt.time(11), end_time=dt.time(12), capacity=capacity),
            WindowSpec(weekdays=WEEKDAYS, start_time=dt.time(12), end_time=dt.time(13), capacity=capacity)]


def with_hours(resource: Resource, windows: list[WindowSpec], now: dt.datetime = NOW) -> Resource:
    set_opening_hours(actor=None, resource=resource, windows=windows, now=now)
    return resource


def book(user, resource, start, now=NOW, **kwargs):  # type: ignore[no-untyped-def]
    key = kwargs.pop("idempotency_key", None)
    for_residents = kwargs.pop("for_residents", None)
    actor = kwargs.pop("actor", user)
    return book_slot(actor=actor, request=BookingRequest(resource=resource, start=start, **kwargs),
                     for_residents=for_residents, idempotency_key=key, now=now)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def unit():
    return WorkUnitFactory()


@pytest.fixture
def admin(unit):
    return unit_admin(unit)


@pytest.fixture
def canteen(unit):
    return with_hours(ResourceFactory(unit=unit, capacity=40), lunch_windows())


def person(community, *, sex: str = "", **kwargs):  # type: ignore[no-untyped-def]
    """A verified resident; `sex` is set directly (grant_role does not take it)."""
    user = resident(community, **kwargs)
    if sex:
        User.objects.filter(pk=user.pk).update(sex=sex)
        user.sex = sex
    return user


@pytest.fixture
def alice(community):
    return person(community, sex="FEMALE")


@pytest.fixture
def bob(community):
    return person(community, sex="MALE")
