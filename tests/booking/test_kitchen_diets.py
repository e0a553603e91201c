"""Issue 12 item 17: the kitchen sheet counts each dietary note (清真 ×3), in places booked with it."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.services.kitchen import DietCount, count_diets, kitchen_sheet
from tests.factories import unit_staff

from .conftest import book, local, person

pytestmark = pytest.mark.django_db
TUESDAY_11 = local(dt.date(2026, 12, 1), 11)


def test_notes_are_counted_by_places_most_first_with_spacing_ignored():
    assert count_diets([("清真", 2), ("少盐", 1), (" 清真 ", 1), ("", 3), ("不吃 辣", 1), ("不吃  辣", 1)]) == [
        DietCount("清真", 3), DietCount("不吃 辣", 2), DietCount("少盐", 1)]


def test_each_sitting_counts_its_notes(canteen, unit, community, alice):
    kitchen = unit_staff(unit)
    book(alice, canteen, TUESDAY_11, note="清真", quantity=2)
    book(person(community), canteen, TUESDAY_11, note="清真")
    book(person(community), canteen, TUESDAY_11, note="少盐")
    book(person(community), canteen, TUESDAY_11)
    lines = kitchen_sheet(viewer=kitchen, resource=canteen, date=dt.date(2026, 12, 1), now=TUESDAY_11)
    assert lines[0].confirmed == 5
    assert lines[0].diet_counts == [DietCount("清真", 3), DietCount("少盐", 1)]
    assert lines[1].diet_counts == []
