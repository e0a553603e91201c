"""Needs: posting, updating, closing and supporting; every coded refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ErrorCode, ServiceError
from marketplace.models import AuditEntry
from matching.models import Allocation, Need, NeedStatus, NeedSupport
from matching.services.needs import NeedChanges, NeedFields, close_need, post_need, support_need, update_need
from tests.factories import CommunityFactory, community_worker, elderly_resident, resident, unit_admin

from .conftest import NOW, lunch_need

pytestmark = pytest.mark.django_db

BASE = {"category": "CANTEEN", "title": "老年人午餐", "quantity": 20, "weekday_pattern": "WEEKDAYS",
        "start_time": dt.time(11), "end_time": dt.time(12, 30), "starts_on": dt.date(2026, 12, 1),
        "ends_on": dt.date(2026, 12, 31)}


def fields(**changes: object) -> NeedFields:
    values = {**BASE, **changes}
    return NeedFields(**values)  # type: ignore[arg-type]


def refused(call, code: ErrorCode, field: str | None = None) -> ServiceError:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError) as caught:
        call()
    assert caught.value.code == code
    if field is not None:
        assert field in [e.field for e in caught.value.errors]
    return caught.value


@pytest.mark.postgres
def test_a_worker_posts_a_need_for_their_community_with_derived_weekdays_and_defaults(worker, community):
    # when
    need = post_need(actor=worker, data=fields(target_group="ELDERLY", source_ref="12345-热线"), now=NOW)
    # then
    need = Need.objects.with_served().get(pk=need.pk)
    assert need.community_id == community.pk
    assert need.weekdays == [0, 1, 2, 3, 4]
    assert need.max_distance_m == 1000  # canteen for ELDERLY
    assert need.priority == 3
    assert need.status == NeedStatus.OPEN and need.served_quantity == 0
    assert need.source_ref == "12345-热线"
    assert AuditEntry.objects.filter(action="need.post", object_id=str(need.pk)).exists()


@pytest.mark.parametrize(("category", "group", "expected"), [
    ("CANTEEN", "ANYONE", 1500), ("PARKING", "ANYONE", 800), ("HALL", "ANYONE", 1500),
    ("BATHHOUSE", "ELDERLY", 1500), ("OTHER", "ANYONE", 1500)])
def test_default_distances_follow_the_contract(worker, category, group, expected):
    # when
    need = post_need(actor=worker, data=fields(category=category, target_group=group), now=NOW)
    # then
    assert need.max_distance_m == expected


def test_one_day_takes_exactly_the_given_weekday(worker):
    # when
    need = post_need(actor=worker, data=fields(weekday_pattern="ONE_DAY", weekdays=[5]), now=NOW)
    # then
    assert need.weekdays == [5]


def test_an_overnight_window_ends_the_next_day(worker):
    # when
    need = post_need(actor=worker, data=fields(category="PARKING", start_time=dt.time(19), end_time=dt.time(7, 30),
                                               ends_next_day=True), now=NOW)
    # then
    assert need.ends_next_day and need.end_time == dt.time(7, 30)


@pytest.mark.parametrize(("changes", "field"), [
    ({"category": "SPA"}, "category"),
    ({"title": "x"}, "title"),
    ({"quantity": 0}, "quantity"),
    ({"weekday_pattern": "SOMETIMES"}, "weekdayPattern"),
    ({"weekday_pattern": "ONE_DAY"}, "weekdays"),
    ({"weekday_pattern": "ONE_DAY", "weekdays": [1, 2]}, "weekdays"),
    ({"weekday_pattern": "ONE_DAY", "weekdays": [7]}, "weekdays"),
    ({"weekdays": [5, 6]}, "weekdays"),
    ({"end_time": dt.time(10)}, "endTime"),
    ({"ends_next_day": True}, "endTime"),
    ({"ends_on": dt.date(2026, 11, 1)}, "endsOn"),
    ({"starts_on": dt.date(2026, 11, 1), "ends_on": dt.date(2026, 11, 20)}, "endsOn"),
    ({"ends_on": dt.date(2028, 1, 1)}, "endsOn"),
    ({"target_group": "CHILDREN"}, "targetGroup"),
    ({"max_distance_m": 50}, "maxDistanceM"),
    ({"priority": 6}, "priority"),
    ({"source_ref": "x" * 101}, "sourceRef"),
])
def test_bad_input_is_invalid_with_the_camel_case_field_and_writes_nothing(worker, changes, field):
    # when / then
    refused(lambda: post_need(actor=worker, data=fields(**changes), now=NOW), ErrorCode.INVALID, field)
    assert not Need.objects.exists()


def test_missing_fields_are_each_reported(worker):
    # when / then
    error = refused(lambda: post_need(actor=worker, data=NeedFields(title="午餐"), now=NOW), ErrorCode.INVALID)
    assert {e.field for e in error.errors} >= {"category", "quantity", "weekdayPattern", "startTime", "endTime",
                                               "startsOn", "endsOn"}


@pytest.mark.parametrize("who", ["resident", "unit_admin", "staff"])
def test_only_a_community_worker_posts(community, unit, staff, who):
    # given
    actor = {"resident": lambda: resident(community), "unit_admin": lambda: unit_admin(unit),
             "staff": lambda: staff}[who]()
    # when / then
    refused(lambda: post_need(actor=actor, data=fields(), now=NOW), ErrorCode.PERMISSION_DENIED)
    assert not Need.objects.exists()


def test_the_same_idempotency_key_returns_the_first_need_and_another_input_conflicts(worker):
    # given
    first = post_need(actor=worker, data=fields(), idempotency_key="k1", now=NOW)
    # when
    again = post_need(actor=worker, data=fields(), idempotency_key="k1", now=NOW)
    # then
    assert again.pk == first.pk
    refused(lambda: post_need(actor=worker, data=fields(quantity=5), idempotency_key="k1", now=NOW),
            ErrorCode.CONFLICT, "idempotencyKey")
    assert Need.objects.count() == 1


@pytest.mark.postgres
def test_a_worker_updates_their_need_and_the_change_is_audited(worker):
    # given
    need = lunch_need(worker, quantity=20)
    # when
    update_need(actor=worker, need=need, changes=NeedChanges(quantity=25, priority=5, max_distance_m=1200), now=NOW)
    # then
    need.refresh_from_db()
    assert (need.quantity, need.priority, need.max_distance_m) == (25, 5, 1200)
    entry = AuditEntry.objects.get(action="need.update")
    assert entry.data["before"]["quantity"] == "20" and entry.data["after"]["quantity"] == "25"


def test_a_worker_of_another_community_may_not_update_or_close(worker, subdistrict):
    # given
    need = lunch_need(worker)
    other = community_worker(CommunityFactory(subdistrict=subdistrict))
    # when / then
    refused(lambda: update_need(actor=other, need=need, changes=NeedChanges(quantity=5), now=NOW),
            ErrorCode.PERMISSION_DENIED)
    refused(lambda: close_need(actor=other, need=need, reason="不需要了", now=NOW), ErrorCode.PERMISSION_DENIED)
    need.refresh_from_db()
    assert need.quantity == 20 and need.closed_at is None


@pytest.mark.parametrize(("changes", "field"), [
    (NeedChanges(title=""), "title"), (NeedChanges(quantity=0), "quantity"),
    (NeedChanges(ends_on=dt.date(2026, 11, 1)), "endsOn"), (NeedChanges(max_distance_m=9000), "maxDistanceM"),
    (NeedChanges(priority=0), "priority")])
def test_bad_updates_are_invalid_and_change_nothing(worker, changes, field):
    # given
    need = lunch_need(worker)
    # when / then
    refused(lambda: update_need(actor=worker, need=need, changes=changes, now=NOW), ErrorCode.INVALID, field)
    fresh = Need.objects.get(pk=need.pk)
    assert (fresh.title, fresh.quantity, fresh.ends_on, fresh.priority) == (
        need.title, need.quantity, need.ends_on, need.priority)


def test_closing_needs_a_reason_and_a_closed_need_is_final(worker):
    # given
    need = lunch_need(worker)
    # when / then
    refused(lambda: close_need(actor=worker, need=need, reason="  ", now=NOW), ErrorCode.INVALID, "reason")
    assert Need.objects.get(pk=need.pk).closed_at is None
    close_need(actor=worker, need=need, reason="居民已自行解决", now=NOW)
    need = Need.objects.get(pk=need.pk)
    assert need.status == NeedStatus.CLOSED and need.close_reason == "居民已自行解决"
    refused(lambda: close_need(actor=worker, need=need, reason="again", now=NOW), ErrorCode.ALREADY_FINAL)
    refused(lambda: update_need(actor=worker, need=need, changes=NeedChanges(quantity=3), now=NOW),
            ErrorCode.ALREADY_FINAL)
    assert AuditEntry.objects.filter(action="need.close").count() == 1


def test_residents_of_the_community_support_a_need_once_and_may_withdraw(worker, community, subdistrict):
    # given
    need = lunch_need(worker)
    a, b = elderly_resident(community), resident(community)
    outsider = resident(CommunityFactory(subdistrict=subdistrict))
    # when
    support_need(actor=a, need=need, support=True)
    support_need(actor=a, need=need, support=True)
    support_need(actor=b, need=need, support=True)
    support_need(actor=b, need=need, support=False)
    # then
    assert Need.objects.with_served().get(pk=need.pk).supporters == 1
    refused(lambda: support_need(actor=outsider, need=need, support=True), ErrorCode.PERMISSION_DENIED)
    refused(lambda: support_need(actor=worker, need=need, support=True), ErrorCode.PERMISSION_DENIED)
    assert NeedSupport.objects.count() == 1


def test_status_and_served_quantity_derive_from_accepted_allocations(worker, canteen):
    # given
    need = lunch_need(worker, quantity=30)
    from matching.models import MatchRun

    run = MatchRun.objects.create(created_at=NOW, horizon_start=dt.date(2026, 12, 1), status="SUCCEEDED")

    def allocate(quantity: int, status: str) -> None:
        Allocation.objects.create(need=need, community=need.community, resource=canteen, match_run=run,
                                  quantity=quantity, distance_m=100, weekdays=[0, 1, 2, 3, 4],
                                  start_time=dt.time(11), end_time=dt.time(12), starts_on=dt.date(2026, 12, 1),
                                  ends_on=dt.date(2026, 12, 28), status=status)

    def status() -> tuple[str, int]:
        fresh = Need.objects.with_served().get(pk=need.pk)
        return fresh.status, fresh.served_quantity

    # when / then
    allocate(30, "PROPOSED")
    assert status() == (NeedStatus.OPEN, 0)
    allocate(10, "ACCEPTED")
    for person in (resident(need.community), resident(need.community)):
        support_need(actor=person, need=need, support=True)
    assert status() == (NeedStatus.PARTLY_MATCHED, 10)  # supporters do not multiply the served sum
    assert Need.objects.with_served().get(pk=need.pk).supporters == 2
    assert list(Need.objects.with_status(NeedStatus.PARTLY_MATCHED)) == [need]
    allocate(20, "ACCEPTED")
    assert status() == (NeedStatus.MATCHED, 30)
    assert list(Need.objects.with_status(NeedStatus.MATCHED)) == [need]
    assert not Need.objects.with_status(NeedStatus.OPEN).exists()
    refused(lambda: update_need(actor=worker, need=need, changes=NeedChanges(quantity=20), now=NOW),
            ErrorCode.INVALID, "quantity")


def test_needs_are_visible_to_their_community_the_allocated_unit_and_staff(worker, community, staff, unit, subdistrict):
    # given
    need = lunch_need(worker)
    other_worker = community_worker(CommunityFactory(subdistrict=subdistrict))
    # then
    assert list(Need.objects.visible_to(worker)) == [need]
    assert list(Need.objects.visible_to(resident(community))) == [need]
    assert list(Need.objects.visible_to(staff)) == [need]
    assert not Need.objects.visible_to(other_worker).exists()
    assert not Need.objects.visible_to(unit_admin(unit)).exists()
    assert not Need.objects.visible_to(None).exists()


def test_a_new_need_cannot_start_in_the_past(worker):
    # given today is 30 November (NOW); a need from yesterday to the end of December
    error = refused(lambda: post_need(actor=worker, data=fields(starts_on=dt.date(2026, 11, 29)), now=NOW),
                    ErrorCode.INVALID, "startsOn")
    assert [str(e.message) for e in error.errors if e.field == "startsOn"]
    # today is fine
    assert post_need(actor=worker, data=fields(starts_on=dt.date(2026, 11, 30)), now=NOW).starts_on == NOW.date()
