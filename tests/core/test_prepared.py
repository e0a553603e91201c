"""core.db.prepared: a query built and compiled once per shape returns what the queryset returns —
instances with their select_related rows and annotations, values_list rows, UPDATE counts — for
other values too; and the search's prepared first page equals the ORM's search. Marked postgres:
it runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import BigIntegerField, CharField, DateTimeField, F, IntegerField
from django.test.utils import CaptureQueriesContext

from booking.graphql.search import ResourceSearch, search_page, search_resources
from booking.models import Slot
from core.db.prepared import Param, Prepared
from core.graphql.relay import PreparedPage, _resolve_total_count, connection_from
from marketplace.graphql.types import ResourceConnection
from marketplace.models import Resource
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

T0 = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def slots() -> list[Resource]:
    resources = [ResourceFactory(lat=39.9 + i / 100, lon=116.37, category="CANTEEN" if i % 2 else "HALL")
                 for i in range(4)]
    for r in resources:
        for h in range(6):
            Slot.objects.create(resource=r, start=T0 + dt.timedelta(hours=h), end=T0 + dt.timedelta(hours=h + 1),
                                capacity=10 + h, booked=h % 3)
    return resources


def test_instances_rows_and_updates_equal_the_querysets(slots: list[Resource]) -> None:
    built: list[Any] = []

    def build(shape: Any) -> Any:
        built.append(shape)
        return (Slot.objects.select_related("resource__unit")
                .filter(resource_id=Param("resource", BigIntegerField()), start__gte=Param("from", DateTimeField()))
                .annotate(free=F("capacity") - F("booked")).order_by("start")[:shape])

    query = Prepared(build)
    for resource in slots:
        for hours, limit in ((0, 3), (2, 10), (5, 3)):
            since = T0 + dt.timedelta(hours=hours)
            got = query.all(limit, {"resource": resource.pk, "from": since})
            want = list(Slot.objects.select_related("resource__unit").filter(resource_id=resource.pk, start__gte=since)
                        .annotate(free=F("capacity") - F("booked")).order_by("start")[:limit])
            assert [(s.pk, s.start, s.end, s.free) for s in got] == [(s.pk, s.start, s.end, s.free) for s in want]
            assert got and got[0].start.tzinfo is not None
            with CaptureQueriesContext(connection) as queries:
                assert [s.resource.unit.name for s in got] == [s.resource.unit.name for s in want]
            assert not queries.captured_queries  # the related rows came with the statement
    assert sorted(built) == [3, 10]  # compiled once per shape

    rows = Prepared(lambda _: Slot.objects.filter(resource__category=Param("category", CharField()))
                    .order_by("resource_id", "start").values_list("resource_id", "start", "capacity"))
    for category in ("CANTEEN", "HALL", "NONE"):
        assert rows.rows(None, {"category": category}) == list(
            Slot.objects.filter(resource__category=category).order_by("resource_id", "start")
            .values_list("resource_id", "start", "capacity"))

    take = Prepared(lambda _: Slot.objects.filter(pk=Param("slot", BigIntegerField()),
                                                  booked__lte=F("capacity") - Param("quantity", IntegerField())),
                    updates=lambda _: {"booked": F("booked") + Param("quantity", IntegerField())})
    slot = Slot.objects.filter(resource=slots[0]).order_by("start").first()
    assert slot is not None and (slot.capacity, slot.booked) == (10, 0)
    assert take.update(None, {"slot": slot.pk, "quantity": 4}) == 1
    assert take.update(None, {"slot": slot.pk, "quantity": 7}) == 0  # 4 + 7 > 10: nothing changed
    assert take.update(None, {"slot": slot.pk, "quantity": 6}) == 1
    slot.refresh_from_db()
    assert slot.booked == 10


SEARCHES = [
    ResourceSearch(near=(39.91, 116.37), radius_m=2500),
    ResourceSearch(near=(39.91, 116.37), radius_m=2500, category="CANTEEN"),
    ResourceSearch(near=(39.93, 116.37)),
    ResourceSearch(category="HALL"),
    ResourceSearch(accessible=True),
    ResourceSearch(),
]


@pytest.mark.parametrize("params", SEARCHES)
@pytest.mark.parametrize("first", [1, 2, 20])
def test_the_prepared_first_page_is_the_searchs(slots: list[Resource], params: ResourceSearch, first: int) -> None:
    now = T0
    page = search_page(None, params, now, ("hours",))
    assert isinstance(page, PreparedPage)
    got = list(page.resolve(0, first + 1))
    want = list(search_resources(None, params, now, ("hours",))[:first + 1])
    assert [r.pk for r in got] == [r.pk for r in want]
    if params.near is not None:
        assert [round(r.distance, 6) for r in got] == [round(r.distance, 6) for r in want]  # type: ignore[attr-defined]
    assert search_resources(None, params, now).count() == len(list(search_resources(None, params, now)))
    with CaptureQueriesContext(connection) as queries:
        search_page(None, params, now, ("hours",)).resolve(0, first + 1)  # type: ignore[union-attr]
    assert len(queries.captured_queries) == 1
    # through connection_from: the page, whether there is more, and the total (counted when the page is full)
    total = search_resources(None, params, now).count()
    answer = connection_from(ResourceConnection, search_page(None, params, now, ("hours",)), first, None)
    assert [e.node.pk for e in answer.edges] == [r.pk for r in want[:first]]
    assert answer.page_info.has_next_page == (total > first)
    assert _resolve_total_count(answer, None) == total


def test_a_resource_in_scope_is_the_scope_querysets_for_every_viewer() -> None:
    import django.utils.timezone as tz

    from marketplace.graphql.permissions import resource_in_scope, resources
    from tests.factories import CommunityFactory, district_staff, resident, unit_admin

    listed = ResourceFactory()
    archived_here = ResourceFactory(unit=listed.unit, archived_at=tz.now())
    archived_elsewhere = ResourceFactory(archived_at=tz.now())
    viewers = [None, resident(CommunityFactory()), unit_admin(listed.unit), unit_admin(archived_elsewhere.unit),
               district_staff()]
    seen = []
    for viewer in viewers:
        for resource in (listed, archived_here, archived_elsewhere):
            found = resource_in_scope(viewer, resource.pk)
            assert (found is not None) == resources(viewer).filter(pk=resource.pk).exists()
            assert found is None or (found.pk, found.name) == (resource.pk, resource.name)
            seen.append(found is not None)
            joined = resource_in_scope(viewer, resource.pk, related=True)
            assert (joined is not None) == (found is not None)
            if joined is not None:
                with CaptureQueriesContext(connection) as queries:
                    assert joined.unit.subdistrict.name == resource.unit.subdistrict.name
                assert not queries.captured_queries  # unit and subdistrict came with the row
        assert resource_in_scope(viewer, 10**12) is None
    assert seen == [True, False, False, True, False, False, True, True, False, True, False, True, True, True, True]


def test_a_prepared_insert_writes_what_save_writes_and_ignores_only_conflicts() -> None:
    from django.db.models import signals
    from django.forms.models import model_to_dict

    from booking.notifications.models import Notification
    from core.db.prepared import PreparedInsert
    from tests.factories import CommunityFactory, resident

    user = resident(CommunityFactory())
    insert = PreparedInsert(Notification, ignore_conflicts=True)

    def made(key: str) -> Notification:
        return Notification(user=user, kind="BOOKING_CONFIRMED", key=key, params={"start": T0, "n": 1},
                            allocation_id=7, created_at=T0)

    saved, inserted = made("a"), made("b")
    saved.save()
    sent: list[tuple[str, bool]] = []

    def pre(sender: Any, instance: Any, **kwargs: Any) -> None:
        sent.append(("pre", instance.pk is None))

    def post(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        sent.append(("post", created and instance.pk is not None))

    signals.pre_save.connect(pre, sender=Notification)
    signals.post_save.connect(post, sender=Notification)
    try:
        assert insert.insert(inserted) is True
    finally:
        signals.pre_save.disconnect(pre, sender=Notification)
        signals.post_save.disconnect(post, sender=Notification)
    assert sent == [("pre", True), ("post", True)]
    assert inserted.pk is not None and not inserted._state.adding
    rows = {n.key: model_to_dict(n, exclude=["id", "key"]) for n in Notification.objects.all()}
    assert rows["a"] == rows["b"] and rows["b"]["params"] == {"start": T0.isoformat().replace("+00:00", "Z"), "n": 1}

    again = made("b")
    with CaptureQueriesContext(connection) as queries:
        assert insert.insert(again) is False  # (user, key) exists: nothing written, no error
    assert len(queries.captured_queries) == 1 and again.pk is None
    assert Notification.objects.filter(user=user).count() == 2
