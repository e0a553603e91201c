"""Figures as a service: capacity derived from opening hours (never counters), what was booked, closed
slots taken out, a unit's contribution by category, weekly utilisation, and bad periods refused."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.services.availability import close_slots
from booking.services.figures import check_days, contribution, figures, utilisation_by_week
from core.errors import ErrorCode, ServiceError

from .conftest import NOW, book, local, person

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 11, 30)
FRIDAY = MONDAY + dt.timedelta(days=4)


def test_capacity_comes_from_the_opening_hours_of_the_period(canteen):
    # when: a working week of two lunch sittings of 40
    found = figures([canteen], MONDAY, FRIDAY)
    # then
    assert found[(canteen.pk, None)].capacity == 5 * 2 * 40
    assert found[(canteen.pk, None)].booked == 0


def test_bookings_count_as_booked_and_a_closed_slot_leaves_the_capacity(canteen, community, admin):
    # given two diners on Tuesday and Tuesday's second sitting closed
    tuesday = MONDAY + dt.timedelta(days=1)
    book(person(community), canteen, local(tuesday, 11), quantity=2)
    close_slots(actor=admin, resource=canteen, start=local(tuesday, 12), end=local(tuesday, 13), reason="修理",
                now=NOW)
    # when
    found = figures([canteen], MONDAY, FRIDAY)[(canteen.pk, None)]
    # then
    assert (found.capacity, found.booked, found.utilisation) == (9 * 40, 2, round(2 / 360, 4))


def test_a_units_contribution_is_one_line_per_category(canteen, community):
    # given
    book(person(community), canteen, local(MONDAY + dt.timedelta(days=2), 12), quantity=3)
    # when
    lines = contribution(canteen.unit, MONDAY, FRIDAY)
    # then
    assert lines == [{"category": "CANTEEN", "bookings": 1, "quantity": 3, "hours": 3.0}]


def test_weekly_utilisation_has_a_point_per_week(canteen):
    # when
    points = utilisation_by_week([canteen.pk], MONDAY, MONDAY + dt.timedelta(days=13))
    # then
    assert [p["week_start"] for p in points[canteen.pk]] == [MONDAY, MONDAY + dt.timedelta(days=7)]
    assert [p["capacity"] for p in points[canteen.pk]] == [400, 400]


@pytest.mark.parametrize(("first", "last"), [(FRIDAY, MONDAY), (MONDAY, MONDAY + dt.timedelta(days=366))])
def test_a_reversed_or_too_long_period_is_invalid(first, last):
    with pytest.raises(ServiceError) as refused:
        check_days(first, last)
    assert refused.value.code == ErrorCode.INVALID
