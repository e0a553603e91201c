"""core.db.postgresql: Django's PostgreSQL backend with psycopg's C timestamptz loader — the same
values as Django's own loader (instants and tzinfo), through the ORM and raw cursors — and its health
check without a round trip for a quiet connection, which still replaces a session the server ended."""

from __future__ import annotations

import datetime as dt
import select
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from booking.models import Slot
from core.db.postgresql import base
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ZONE = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def wrapper(postgres_only) -> Iterator[base.DatabaseWrapper]:
    """A second connection to the test database, outside the test's transaction, as a request has it:
    persistent, health checks on, its check not yet done for this request."""
    other = connections.create_connection("default")
    other.ensure_connection()
    assert isinstance(other, base.DatabaseWrapper) and other.health_check_enabled
    other.health_check_done = False
    try:
        yield other
    finally:
        other.close()


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


def test_a_quiet_connection_is_used_without_asking_the_server(wrapper, monkeypatch):
    asked: list[bool] = []
    monkeypatch.setattr(wrapper, "is_usable", lambda: asked.append(True) or True)
    raw = wrapper.connection
    wrapper.close_if_health_check_failed()
    assert asked == [] and wrapper.health_check_done and wrapper.connection is raw


def test_a_connection_inside_a_transaction_is_asked(wrapper):
    with wrapper.connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT 1")
        assert not base.quiet(wrapper.connection)
        cursor.execute("ROLLBACK")
    assert base.quiet(wrapper.connection)


def test_a_session_the_server_ended_is_replaced_before_the_request_uses_it(wrapper):
    raw = wrapper.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
        assert cursor.fetchone() == (True,)
    poller = select.poll()  # the backend exits after the signal: wait until its last words reach the socket
    poller.register(raw.fileno(), select.POLLIN)
    assert poller.poll(10_000), "the ended session's socket never became readable"
    assert not base.quiet(raw)
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is None  # closed by the check, not found broken by the request
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert wrapper.connection is not raw
