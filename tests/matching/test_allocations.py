"""Answering proposals: accept makes the booking app's quota (all or nothing), decline is remembered."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.models import QuotaRule, Slot
from booking.notifications.models import Notification
from booking.services.bookings import BookingRequest, book_slot
from core.errors import ErrorCode, ServiceError
from marketplace.models import AuditEntry
from matching.models import Allocation, Need, NeedStatus, UnservedReason
from matching.services.allocations import respond_to_allocation
from matching.services.needs import close_need
from matching.services.runs import start_match_run
from tests.factories import CommunityFactory, WorkUnitFactory, resident, unit_admin, unit_staff

from .conftest import NOW, TZ, canteen_with_hours, lunch_need

pytestmark = pytest.mark.django_db
TUESDAY_11 = dt.datetime(2026, 12, 1, 11, 0, tzinfo=TZ)


@pytest.fixture
def proposal(worker, staff, unit, admin, django_capture_on_commit_callbacks) -> Allocation:
    """A canteen with 31 seats per sitting; a need of 30 that only the 11:00 sitting fits, proposed."""
    canteen_with_hours(unit, capacity=31)
    lunch_need(worker, quantity=30, start=dt.time(11), end=dt.time(11, 30))
    with django_capture_on_commit_callbacks(execute=True):
        start_match_run(actor=staff, now=NOW)
    allocation = Allocation.objects.get()
    assert (allocation.quantity, allocation.start_time) == (30, dt.time(11))
    return allocation


def book(user, resource, start=TUESDAY_11):  # type: ignore[no-untyped-def]
    return book_slot(actor=user, request=BookingRequest(resource=resource, start=start), now=NOW)


def slot_at(resource, start=TUESDAY_11) -> Slot:  # type: ignore[no-untyped-def]
    return Slot.objects.get(resource=resource, start=start)


def run_again(staff, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        run = start_match_run(actor=staff, now=NOW)
    run.refresh_from_db()
    return run


@pytest.mark.postgres
def test_accepting_creates_the_quota_that_residents_of_the_community_then_use(proposal, admin, community, worker):
    # when
    allocation = respond_to_allocation(actor=admin, allocation=proposal, accept=True, now=NOW)
    # then: the rule holds 30 of every matching slot for the community
    assert allocation.status == "ACCEPTED" and allocation.responded_at == NOW
    rule = QuotaRule.objects.get(allocation=allocation)
    assert (rule.community_id, rule.amount, rule.weekdays, rule.start_time) == (
        community.pk, 30, [0, 1, 2, 3, 4], dt.time(11))
    assert (rule.starts_on, rule.ends_on) == (allocation.starts_on, allocation.ends_on)
    assert slot_at(proposal.resource).held == 30
    # and residents see it: an outsider gets the one open seat, the next outsider is FULL, a resident
    # of the community still books from its quota
    outsider_community = CommunityFactory(subdistrict=community.subdistrict)
    book(resident(outsider_community), proposal.resource)
    with pytest.raises(ServiceError) as caught:
        book(resident(outsider_community), proposal.resource)
    assert caught.value.code == ErrorCode.FULL
    book(resident(community), proposal.resource)
    slot = slot_at(proposal.resource)
    assert (slot.booked, slot.held) == (2, 29)
    # and the need is partly served, derived from the accepted allocation
    need = Need.objects.with_served().get(pk=proposal.need_id)
    assert need.served_quantity == 30 and need.status == NeedStatus.MATCHED
    assert AuditEntry.objects.filter(action="allocation.accept").count() == 1
    assert Notification.objects.filter(user=worker, kind="ALLOCATION_DECIDED").count() == 1
    assert Notification.objects.filter(user=admin, kind="ALLOCATION_PROPOSED").count() == 1


def test_accepting_after_the_capacity_was_taken_is_a_conflict_and_writes_nothing(proposal, admin, community):
    # given: two residents book the 11:00 sitting of one day, leaving 29 < 30
    other = CommunityFactory(subdistrict=community.subdistrict)
    wednesday = dt.datetime(2026, 12, 2, 11, 0, tzinfo=TZ)
    book(resident(other), proposal.resource, wednesday)
    book(resident(other), proposal.resource, wednesday)
    # when
    with pytest.raises(ServiceError) as caught:
        respond_to_allocation(actor=admin, allocation=proposal, accept=True, now=NOW)
    # then
    assert caught.value.code == ErrorCode.CONFLICT
    proposal.refresh_from_db()
    assert proposal.status == "PROPOSED" and proposal.responded_at is None
    assert not QuotaRule.objects.exists()
    assert slot_at(proposal.resource).held == 0
    assert not AuditEntry.objects.filter(action="allocation.accept").exists()


def test_declining_needs_a_reason_and_later_runs_avoid_the_pair(proposal, admin, staff,
                                                                django_capture_on_commit_callbacks):
    # when / then
    with pytest.raises(ServiceError) as caught:
        respond_to_allocation(actor=admin, allocation=proposal, accept=False, reason=" ", now=NOW)
    assert caught.value.code == ErrorCode.INVALID and caught.value.errors[0].field == "reason"
    assert Allocation.objects.get(pk=proposal.pk).status == "PROPOSED"
    declined = respond_to_allocation(actor=admin, allocation=proposal, accept=False, reason="装修停业", now=NOW)
    assert declined.status == "DECLINED" and declined.decline_reason == "装修停业"
    assert not QuotaRule.objects.exists()
    # and the next run does not propose this canteen for this need again
    run = run_again(staff, django_capture_on_commit_callbacks)
    assert not Allocation.objects.filter(match_run=run).exists()
    assert UnservedReason.objects.get(match_run=run).code == "DECLINED_BY_UNIT"


def test_a_decided_or_superseded_proposal_is_final(proposal, admin, staff, django_capture_on_commit_callbacks):
    # given
    respond_to_allocation(actor=admin, allocation=proposal, accept=True, now=NOW)
    # when / then
    for accept in (True, False):
        with pytest.raises(ServiceError) as caught:
            respond_to_allocation(actor=admin, allocation=proposal, accept=accept, reason="x", now=NOW)
        assert caught.value.code == ErrorCode.ALREADY_FINAL
    assert QuotaRule.objects.count() == 1


def test_a_superseded_proposal_is_final(proposal, admin, staff, django_capture_on_commit_callbacks):
    # given
    run_again(staff, django_capture_on_commit_callbacks)
    proposal.refresh_from_db()
    assert proposal.status == "SUPERSEDED"
    # when / then
    with pytest.raises(ServiceError) as caught:
        respond_to_allocation(actor=admin, allocation=proposal, accept=True, now=NOW)
    assert caught.value.code == ErrorCode.ALREADY_FINAL


def test_only_an_admin_of_the_resource_unit_answers(proposal, unit, worker, staff):
    # given
    others = [unit_admin(WorkUnitFactory()), unit_staff(unit), worker, staff]
    # when / then
    for actor in others:
        with pytest.raises(ServiceError) as caught:
            respond_to_allocation(actor=actor, allocation=proposal, accept=True, now=NOW)
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
    assert Allocation.objects.get(pk=proposal.pk).status == "PROPOSED" and not QuotaRule.objects.exists()


def test_the_same_idempotency_key_replays_the_answer(proposal, admin):
    # when
    first = respond_to_allocation(actor=admin, allocation=proposal, accept=True, idempotency_key="a1", now=NOW)
    again = respond_to_allocation(actor=admin, allocation=proposal, accept=True, idempotency_key="a1", now=NOW)
    # then
    assert again.pk == first.pk and QuotaRule.objects.count() == 1
    with pytest.raises(ServiceError) as caught:
        respond_to_allocation(actor=admin, allocation=proposal, accept=False, reason="no", idempotency_key="a1",
                              now=NOW)
    assert caught.value.code == ErrorCode.CONFLICT


def test_closing_a_need_removes_its_quota(proposal, admin, worker):
    # given
    respond_to_allocation(actor=admin, allocation=proposal, accept=True, now=NOW)
    assert slot_at(proposal.resource).held == 30
    # when
    close_need(actor=worker, need=proposal.need, reason="社区食堂已开", now=NOW)
    # then
    assert slot_at(proposal.resource).held == 0
    assert QuotaRule.objects.get().removed_at is not None


def test_allocations_are_visible_to_the_community_worker_the_unit_admin_and_staff(proposal, admin, worker, staff,
                                                                                  community):
    # then
    assert list(Allocation.objects.visible_to(worker)) == [proposal]
    assert list(Allocation.objects.visible_to(admin)) == [proposal]
    assert list(Allocation.objects.visible_to(staff)) == [proposal]
    assert not Allocation.objects.visible_to(unit_admin(WorkUnitFactory())).exists()
    assert not Allocation.objects.visible_to(resident(community)).exists()
    assert not Allocation.objects.visible_to(None).exists()


def test_closing_or_changing_a_need_tells_the_units_holding_its_proposals(proposal, admin, worker):
    # when
    from matching.services.needs import NeedChanges, update_need

    update_need(actor=worker, need=proposal.need, changes=NeedChanges(priority=5), now=NOW)
    close_need(actor=worker, need=proposal.need, reason="不需要了", now=NOW + dt.timedelta(minutes=1))
    # then
    assert Notification.objects.filter(user=admin, kind="NEED_UPDATED").count() == 2
    assert Allocation.objects.get(pk=proposal.pk).status == "SUPERSEDED"
