"""Issue 12 item 15: a need's proposals at one resource are answered together, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.models import QuotaRule
from core.errors import ErrorCode, ServiceError
from marketplace.models import AuditEntry
from matching.models import Allocation
from matching.services.allocations import respond_to_allocations

from .conftest import NOW, canteen_with_hours, lunch_need
from .test_allocations import run_again

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(worker, staff, unit, admin, django_capture_on_commit_callbacks) -> list[Allocation]:
    """One need of 30 proposed as two blocks of one canteen: 20 at 11:00 and 10 at 12:00."""
    canteen_with_hours(unit, capacity=31)
    lunch_need(worker, quantity=30, start=dt.time(11), end=dt.time(11, 30))
    run_again(staff, django_capture_on_commit_callbacks)
    first = Allocation.objects.get()
    Allocation.objects.filter(pk=first.pk).update(quantity=20)
    first.refresh_from_db()
    second = Allocation.objects.get(pk=first.pk)
    second.pk = None
    second.quantity, second.start_time, second.end_time = 10, dt.time(12), dt.time(13)
    second.save()
    return [first, second]


def test_accepting_a_group_accepts_every_block(pair, admin):
    answered = respond_to_allocations(actor=admin, allocations=pair, accept=True, now=NOW)
    assert [a.status for a in answered] == ["ACCEPTED", "ACCEPTED"]
    assert sorted(QuotaRule.objects.values_list("start_time", "amount")) == [(dt.time(11), 20), (dt.time(12), 10)]


def test_one_refusal_undoes_the_whole_group(pair, admin):
    # given the second block asks for more than the need has left once the first is accepted
    Allocation.objects.filter(pk=pair[1].pk).update(quantity=11)
    before = AuditEntry.objects.count()
    # when the unit accepts both
    with pytest.raises(ServiceError) as refused:
        respond_to_allocations(actor=admin, allocations=pair, accept=True, now=NOW)
    # then nothing is accepted and no quota is made
    assert refused.value.code == ErrorCode.CONFLICT
    assert sorted(Allocation.objects.values_list("status", flat=True)) == ["PROPOSED", "PROPOSED"]
    assert QuotaRule.objects.count() == 0 and AuditEntry.objects.count() == before


def test_declining_a_group_needs_one_reason_for_all(pair, admin):
    with pytest.raises(ServiceError) as refused:
        respond_to_allocations(actor=admin, allocations=pair, accept=False, now=NOW)
    assert refused.value.code == ErrorCode.INVALID
    answered = respond_to_allocations(actor=admin, allocations=pair, accept=False, reason="礼堂维修", now=NOW)
    assert {(a.status, a.decline_reason) for a in answered} == {("DECLINED", "礼堂维修")}


def test_an_empty_or_repeated_group_is_invalid(pair, admin):
    for allocations in ([], [pair[0], pair[0]]):
        with pytest.raises(ServiceError) as refused:
            respond_to_allocations(actor=admin, allocations=allocations, accept=True, now=NOW)
        assert refused.value.code == ErrorCode.INVALID


def test_the_same_key_replays_the_answer(pair, admin):
    first = respond_to_allocations(actor=admin, allocations=pair, accept=True, idempotency_key="k1", now=NOW)
    again = respond_to_allocations(actor=admin, allocations=pair, accept=True, idempotency_key="k1", now=NOW)
    assert [a.pk for a in again] == [a.pk for a in first]
    assert QuotaRule.objects.count() == 2
