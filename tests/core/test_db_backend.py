"""core.db.postgresql: Django's PostgreSQL backend with psycopg's C timestamptz loader — the same
values as Django's own loader (instants and tzinfo), through the ORM and raw cursors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from booking.models import Slot
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ZONE = dt.timezone(dt.timedelta(hours=8))


def test_settings_pick_the_backend(postgres_only):
    assert settings.DATABASES["default"]["ENGINE"] == "core.db.postgresql"
    assert connection.vendor == "postgresql"


def test_timestamps_come_back_as_djangos_loader_gives_them(postgres_only):
    from psycopg_binary._psycopg import TimestamptzLoader as CLoader

    moments = [dt.datetime(2026, 12, 1, 11, 0, tzinfo=ZONE), dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=ZONE),
               dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)]
    query = "SELECT unnest(%s::timestamptz[])"
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, Format.TEXT)
        assert loader.timezone == dt.UTC
        cursor.execute(query, [moments])
        fast = [row[0] for row in cursor.fetchall()]
        assert isinstance(cursor.cursor._tx.get_loader(1184, Format.TEXT), CLoader)
    with connection.cursor() as cursor:
        register_tzloader(dt.UTC, cursor.cursor)  # Django's own loader on this cursor only
        assert not isinstance(cursor.cursor._tx.get_loader(1184, Format.TEXT), CLoader)
        cursor.execute(query, [moments])
        djangos = [row[0] for row in cursor.fetchall()]
    assert fast == djangos == moments
    assert [v.tzinfo for v in fast] == [dt.UTC] * 3 == [v.tzinfo for v in djangos]


def test_model_datetimes_round_trip(postgres_only):
    resource = ResourceFactory()
    start = dt.datetime(2026, 12, 1, 11, 0, tzinfo=ZONE)
    Slot.objects.create(resource=resource, start=start, end=start + dt.timedelta(hours=1), capacity=3)
    slot = Slot.objects.get(resource=resource, start=start)
    assert slot.start == start and slot.start.tzinfo is dt.UTC
    assert list(Slot.objects.filter(resource=resource).values_list("end", flat=True)) == [start + dt.timedelta(hours=1)]
