"""A unit's answer to a proposal: the only code that changes an allocation's status after a run.

Accepting creates the booking app's quota rule for the allocation's block, weekdays and date range
(`booking.services.quota.add_quota`), all or nothing, in the same transaction as the status change.
Declining records the pair: later runs never propose this resource for this need (DECLINED_BY_UNIT).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.services.quota import add_quota
from core.errors import ErrorCode, ErrorCollector, ServiceError
from marketplace.models import Role, User
from marketplace.services import audit
from marketplace.services.idempotency import claim_key
from matching.models import Allocation, AllocationStatus, Need

from . import notify

if TYPE_CHECKING:
    from booking.models import QuotaRule

REASON_MAX = 500


def ensure_admin_of_resource_unit(actor: User, allocation: Allocation) -> None:
    if actor.administers_unit(allocation.resource.unit_id):
        return
    raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only an admin of the resource's unit may answer."))


def ensure_proposed(allocation: Allocation) -> None:
    if allocation.status != AllocationStatus.PROPOSED:
        raise ServiceError.of(ErrorCode.ALREADY_FINAL, _("This proposal has already been decided or replaced."))


def ensure_need_still_wants_it(allocation: Allocation) -> None:
    """A need closed or served in full since the run cannot take more quota."""
    need = Need.objects.with_served().get(pk=allocation.need_id)
    if need.closed_at is not None or need.served_quantity + allocation.quantity > need.quantity:
        raise ServiceError.of(ErrorCode.CONFLICT, _("The need no longer asks for this."))


def validate_reason(errors: ErrorCollector, reason: str | None, accept: bool) -> None:
    if reason is not None and len(reason) > REASON_MAX:
        errors.add(ErrorCode.INVALID, _("The reason is too long (at most 500 characters)."), "reason")
    elif not accept and not (reason or "").strip():
        errors.add(ErrorCode.INVALID, _("Give a reason for declining."), "reason")


@transaction.atomic
def respond_to_allocation(*, actor: User, allocation: Allocation, accept: bool, reason: str | None = None,
                          idempotency_key: str | None = None, now: dt.datetime | None = None) -> Allocation:
    """Accepts (quota made, all or nothing) or declines (with a reason) a PROPOSED allocation.
    Side effects: the quota rule, an audit entry, ALLOCATION_DECIDED to the community's workers.

    Raises ServiceError: PERMISSION_DENIED (not an admin of the resource's unit), ALREADY_FINAL (decided or
    superseded), INVALID (`reason`), CONFLICT (the capacity has been taken since, the need no longer asks for
    it, or the idempotency key was used with another input)."""
    now = now or timezone.now()
    allocation = Allocation.objects.select_for_update().select_related("resource", "need").get(pk=allocation.pk)
    ensure_admin_of_resource_unit(actor, allocation)
    claim = claim_key(user=actor, key=idempotency_key, operation="respondToAllocation",
                      payload={"allocation": allocation.pk, "accept": accept, "reason": reason})
    if claim.replay is not None:
        return Allocation.objects.get(pk=claim.replay["allocation"])
    ensure_proposed(allocation)
    errors = ErrorCollector()
    validate_reason(errors, reason, accept)
    errors.raise_if_any()
    if accept:
        ensure_need_still_wants_it(allocation)
        rule = _add_quota(allocation, actor=actor, now=now)
        allocation.status, allocation.quota_rule = AllocationStatus.ACCEPTED, rule
    else:
        allocation.status, allocation.decline_reason = AllocationStatus.DECLINED, (reason or "").strip()
    allocation.responded_at, allocation.responded_by = now, actor
    allocation.save(update_fields=["status", "quota_rule", "decline_reason", "responded_at", "responded_by"])
    audit.record(actor=actor, action="allocation.accept" if accept else "allocation.decline", obj=allocation,
                 reason=allocation.decline_reason,
                 data={"need": allocation.need_id, "resource": allocation.resource_id, "quantity": allocation.quantity})
    _tell_workers(allocation)
    claim.complete({"allocation": allocation.pk})
    return allocation


def _add_quota(allocation: Allocation, *, actor: User, now: dt.datetime) -> QuotaRule:
    """The quota rule of the allocation; CONFLICT from the booking app when a slot lacks the capacity."""
    try:
        return add_quota(
            community=allocation.community, resource=allocation.resource,
            start_time=allocation.start_time, end_time=allocation.end_time, ends_next_day=allocation.ends_next_day,
            weekdays=list(allocation.weekdays), starts_on=allocation.starts_on, ends_on=allocation.ends_on,
            amount=allocation.units, actor=actor, now=now)
    except ServiceError as exc:
        if exc.code in (ErrorCode.CONFLICT, ErrorCode.FULL):
            raise ServiceError.of(ErrorCode.CONFLICT,
                                  _("The capacity for this proposal has been taken since.")) from exc
        raise


def _tell_workers(allocation: Allocation) -> None:
    notify.tell(kind="ALLOCATION_DECIDED", key_parts=("allocation", allocation.pk), role=Role.COMMUNITY_WORKER,
                community_ids=[allocation.community_id], allocation_id=allocation.pk,
                params={"accepted": allocation.status == AllocationStatus.ACCEPTED, "need": allocation.need.title,
                        "resource": allocation.resource.name})


GROUP_MAX = 100


@transaction.atomic
def respond_to_allocations(*, actor: User, allocations: list[Allocation], accept: bool, reason: str | None = None,
                           idempotency_key: str | None = None, now: dt.datetime | None = None) -> list[Allocation]:
    """Accepts or declines several PROPOSED allocations (a need's blocks at one resource) all or nothing: each
    goes through `respond_to_allocation` in this one transaction, and the first refusal undoes the others.

    Raises ServiceError: INVALID (no allocation, more than GROUP_MAX, or one named twice), and whatever
    `respond_to_allocation` raises for any of them."""
    now = now or timezone.now()
    pks = [a.pk for a in allocations]
    if not pks or len(pks) > GROUP_MAX or len(set(pks)) != len(pks):
        raise ServiceError.of(ErrorCode.INVALID, _("Name between 1 and 100 different proposals."), "allocationIds")
    claim = claim_key(user=actor, key=idempotency_key, operation="respondToAllocations",
                      payload={"allocations": pks, "accept": accept, "reason": reason})
    if claim.replay is not None:
        replayed = {a.pk: a for a in Allocation.objects.filter(pk__in=claim.replay["allocations"])}
        return [replayed[pk] for pk in claim.replay["allocations"] if pk in replayed]
    answered = [respond_to_allocation(actor=actor, allocation=a, accept=accept, reason=reason, now=now)
                for a in sorted(allocations, key=lambda a: a.pk)]
    claim.complete({"allocations": [a.pk for a in answered]})
    return answered
