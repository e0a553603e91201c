"""A booking's reads in one statement (`validators.slot_and_resident`) say what the separate reads say:
the stored slot at a start (every column) and the resident's active bookings and latest suspension —
for residents with and without bookings, standing ones, suspensions, and starts with no stored slot.
Marked postgres: it runs on SQLite and on PostgreSQL (whose UNION types are stricter)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Slot, Suspension
from booking.services.validators import SLOT_COLUMNS, active_bookings_and_suspension, slot_and_resident

from .conftest import NOW, book, local, person

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
DAYS = [dt.date(2026, 12, 1) + dt.timedelta(days=d) for d in range(3)]


def columns(slot: Slot | None) -> tuple[object, ...] | None:
    return None if slot is None else tuple(getattr(slot, name) for name in SLOT_COLUMNS)


def test_one_statement_says_what_the_separate_reads_say(canteen, community, alice, bob):
    carol = person(community)
    book(alice, canteen, local(DAYS[0], 11))
    book(alice, canteen, local(DAYS[1], 11), standing_until=DAYS[2])  # a standing booking: several rows
    book(bob, canteen, local(DAYS[2], 11))
    Suspension.objects.create(user=bob, starts_at=NOW - dt.timedelta(days=1), until=NOW + dt.timedelta(days=3))
    Suspension.objects.create(user=bob, starts_at=NOW - dt.timedelta(days=2), until=NOW + dt.timedelta(days=9))
    Suspension.objects.create(user=carol, starts_at=NOW - dt.timedelta(days=9), until=NOW - dt.timedelta(days=1))
    Slot.objects.filter(resource=canteen, start=local(DAYS[2], 11)).update(closed=True, closed_reason="x", held=2)
    starts = [local(day, 11) for day in DAYS] + [local(DAYS[0], 9), local(DAYS[0], 11) + dt.timedelta(days=60)]
    seen = set()
    for user in (alice, bob, carol):
        for start in starts:
            with CaptureQueriesContext(connection) as queries:
                slot, (active, until) = slot_and_resident(canteen, start, user, NOW)
            assert len(queries.captured_queries) == 1
            want_active, want_until = active_bookings_and_suspension(user, canteen, NOW)
            assert sorted(active) == sorted(want_active)
            assert until == want_until
            assert columns(slot) == columns(Slot.objects.filter(resource=canteen, start=start).first())
            seen.add((bool(active), until is not None, slot is not None, bool(slot and slot.closed)))
    assert (True, False, True, False) in seen and (True, True, True, True) in seen
    assert (False, False, False, False) in seen  # carol before the hours: no slot, nothing active
    assert any(standing for _slot, standing in slot_and_resident(canteen, starts[0], alice, NOW)[1][0])
    assert slot_and_resident(canteen, starts[0], bob, NOW)[1][1] == NOW + dt.timedelta(days=9)  # the latest
