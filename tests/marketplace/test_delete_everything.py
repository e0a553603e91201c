"""deleteMyData leaves nothing that names the person (issue 11, item 11): after a deletion, no text,
char or JSON column of any table in the database holds their full name, phone or user name — not the
audit log (entries about them and by them), not their bookings, notifications, supports or
idempotency records, nor a worker's proxy booking for them. Runs on SQLite and PostgreSQL (where the
audit log's append-only trigger must allow exactly this scrub)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from booking.services.hours import WindowSpec
from booking.services.lifecycle import cancel_booking
from marketplace.models import AuditEntry, User
from marketplace.models.audit import AppendOnlyError
from marketplace.services.people import create_resident, update_resident
from marketplace.services.personal_data import delete_my_data
from marketplace.services.tokens import issue_token
from matching.services.needs import NeedFields, post_need, support_need
from tests.factories import CommunityFactory, ResourceFactory, SubdistrictFactory, WorkUnitFactory, community_worker

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)
NAME = "欧阳娜娜蕊"
PHONE = "13977771234"
LUNCH = [WindowSpec(weekdays=(0, 1, 2, 3, 4), start_time=dt.time(11), end_time=dt.time(12))]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, memoryview | bytes):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _every_value() -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every row of every table in the database."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected names
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                out.extend((table, column, _text(value)) for column, value in zip(columns, row, strict=True))
    return out


def test_a_deleted_person_is_named_nowhere() -> None:
    # given a resident with a distinctive name and phone, created and verified by a worker (audited)
    subdistrict = SubdistrictFactory()
    community = CommunityFactory(subdistrict=subdistrict)
    worker = community_worker(community, username="worker-z")
    person = create_resident(actor=worker, full_name=NAME, phone=PHONE, birth_date=dt.date(1948, 3, 3))
    update_resident(actor=worker, resident=person, verified=True)
    person = User.objects.get(pk=person.pk)
    username = person.username
    canteen = ResourceFactory(name="Z食堂", unit=WorkUnitFactory(subdistrict=subdistrict), capacity=20)
    set_opening_hours(actor=None, resource=canteen, windows=LUNCH, now=NOW)
    # their own bookings (one with an idempotency key, one cancelled by them: audited as the actor)
    start = dt.datetime(2026, 12, 1, 11, 0, tzinfo=TZ)
    book_slot(actor=person, request=BookingRequest(resource=canteen, start=start, note=f"{NAME} 不要辣"),
              idempotency_key="mine-1", now=NOW)
    second = book_slot(actor=person, request=BookingRequest(resource=canteen, start=start + dt.timedelta(days=1)),
                       now=NOW).bookings[0]
    cancel_booking(actor=person, booking=second, reason=f"{NAME}有事", now=NOW)
    # a proxy booking by the worker, with the worker's idempotency key
    book_slot(actor=worker, request=BookingRequest(resource=canteen, start=start + dt.timedelta(days=2)),
              for_residents=[person], idempotency_key="proxy-1", now=NOW)
    # an access token they issued themselves (audited with them as the actor)
    issue_token(user=person, actor=person)
    # a need they support
    need = post_need(actor=worker, data=NeedFields(
        category="CANTEEN", title="午餐", quantity=5, weekday_pattern="WEEKDAYS", start_time=dt.time(11),
        end_time=dt.time(12), starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 31)), now=NOW)
    support_need(actor=person, need=need, support=True)
    secrets = (NAME, PHONE, username)
    before = [(t, c) for t, c, v in _every_value() if any(s in v for s in secrets)]
    assert {t for t, _c in before} >= {"marketplace_user", "marketplace_auditentry"}, before  # the test can see them
    # when
    delete_my_data(user=person, now=NOW)
    # then no column of any table names them
    left = sorted({(t, c) for t, c, v in _every_value() if any(s in v for s in secrets)})
    assert left == []
    # and every model's table was read
    tables = set(connection.introspection.table_names())
    assert all(m._meta.db_table in tables for m in apps.get_models() if m._meta.managed)
    # the audit log still says what happened, without the name
    assert AuditEntry.objects.filter(object_id=str(person.pk), object_type="marketplace.user").count() >= 3
    assert AuditEntry.objects.filter(actor_id=person.pk).exists()


def test_the_audit_log_allows_only_anonymising_a_name() -> None:
    worker = community_worker(CommunityFactory(), username="worker-y")
    create_resident(actor=worker, full_name=NAME, phone=PHONE)
    entries = AuditEntry.objects.filter(action="user.create")
    for column, value in [("object_repr", "someone else"), ("reason", "deleted-1"), ("action", "deleted-1")]:
        with pytest.raises(AppendOnlyError):
            entries.anonymise(column, value)
    assert entries.anonymise("object_repr", "deleted-1") == entries.count() >= 1


@pytest.mark.parametrize(("sql", "allowed"), [
    ("UPDATE marketplace_auditentry SET object_repr = 'deleted-7'", True),
    ("UPDATE marketplace_auditentry SET actor_name = 'deleted-7'", True),
    ("UPDATE marketplace_auditentry SET object_repr = 'someone else'", False),
    ("UPDATE marketplace_auditentry SET object_repr = 'deleted-7', reason = 'x'", False),
    ("UPDATE marketplace_auditentry SET object_repr = 'deleted-7', data = '{\"a\": 1}'", False),
    ("DELETE FROM marketplace_auditentry", False),
])
def test_the_postgres_trigger_allows_only_anonymising_a_name(postgres_only: Any, sql: str, allowed: bool) -> None:
    worker = community_worker(CommunityFactory(), username="worker-x")
    create_resident(actor=worker, full_name=NAME, phone=PHONE)
    if allowed:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        return
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
