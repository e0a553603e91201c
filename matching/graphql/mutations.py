"""Matching mutations: postNeed, updateNeed, closeNeed, supportNeed, runMatching, respondToAllocation,
respondToAllocations.

Handlers find the objects in the viewer's scope (NOT_FOUND otherwise) and call matching.services,
which check the API's table and every rule.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _
from graphql import GraphQLResolveInfo as Info

from core.errors import ErrorCode, ServiceError
from core.graphql.enums import value_of
from core.graphql.limits import declare_list_bound
from core.graphql.mutations import mutation_field
from core.graphql.relay import scoped_object
from marketplace.models import Subdistrict
from matching.models import Need as Model
from matching.services.allocations import respond_to_allocation, respond_to_allocations
from matching.services.needs import NeedChanges, NeedFields, close_need, post_need, support_need, update_need
from matching.services.runs import start_match_run

from . import permissions
from .inputs import (
    CloseNeedInput,
    PostNeedInput,
    RespondToAllocationInput,
    RespondToAllocationsInput,
    RunMatchingInput,
    SupportNeedInput,
    UpdateNeedInput,
)
from .types import Allocation, MatchRun, Need


def _need(info: Info, global_id: str) -> Any:
    return scoped_object(
        permissions.needs(info.context.user), global_id, "Need", field="needId", message=_("There is no such need.")
    )


def _fresh(need: Any) -> Any:
    return Model.objects.with_served().select_related("community__subdistrict").get(pk=need.pk)


def post_need_handler(info: Info, data: Any) -> dict[str, Any]:
    fields = NeedFields(
        category=value_of(data.category),
        title=data.title,
        quantity=data.quantity,
        weekday_pattern=value_of(data.weekday_pattern),
        weekdays=list(data.weekdays) if data.get("weekdays") is not None else None,
        start_time=data.start_time,
        end_time=data.end_time,
        ends_next_day=data.get("ends_next_day"),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        target_group=value_of(data.get("target_group")),
        max_distance_m=data.get("max_distance_m"),
        priority=data.get("priority"),
        source_ref=data.get("source_ref"),
    )
    need = post_need(
        actor=info.context.user, data=fields, idempotency_key=data.get("idempotency_key"), now=info.context.now
    )
    return {"need": _fresh(need)}


def update_need_handler(info: Info, data: Any) -> dict[str, Any]:
    need = _need(info, data.need_id)
    changes = NeedChanges(
        title=data.get("title"),
        quantity=data.get("quantity"),
        starts_on=data.get("starts_on"),
        ends_on=data.get("ends_on"),
        max_distance_m=data.get("max_distance_m"),
        priority=data.get("priority"),
    )
    need = update_need(actor=info.context.user, need=need, changes=changes, now=info.context.now)
    return {"need": _fresh(need)}


def close_need_handler(info: Info, data: Any) -> dict[str, Any]:
    need = close_need(actor=info.context.user, need=_need(info, data.need_id), reason=data.reason, now=info.context.now)
    return {"need": _fresh(need)}


def support_need_handler(info: Info, data: Any) -> dict[str, Any]:
    need = support_need(actor=info.context.user, need=_need(info, data.need_id), support=data.support)
    return {"need": _fresh(need)}


def run_matching_handler(info: Info, data: Any) -> dict[str, Any]:
    subdistrict = None
    if data.get("subdistrict") is not None:
        subdistrict = scoped_object(
            Subdistrict.objects.all(),
            data.subdistrict,
            "Subdistrict",
            field="subdistrict",
            message=_("There is no such subdistrict."),
        )
    horizon = data.get("horizon_days")
    kwargs: dict[str, Any] = {} if horizon is None else {"horizon_days": horizon}
    match_run = start_match_run(
        actor=info.context.user,
        subdistrict=subdistrict,
        idempotency_key=data.get("idempotency_key"),
        now=info.context.now,
        **kwargs,
    )
    return {"match_run": match_run}


def respond_to_allocation_handler(info: Info, data: Any) -> dict[str, Any]:
    allocation = scoped_object(
        permissions.allocations(info.context.user),
        data.allocation_id,
        "Allocation",
        field="allocationId",
        message=_("There is no such allocation."),
    )
    allocation = respond_to_allocation(
        actor=info.context.user,
        allocation=allocation,
        accept=data.accept,
        reason=data.get("reason"),
        idempotency_key=data.get("idempotency_key"),
        now=info.context.now,
    )
    return {"allocation": allocation}


RESPOND_MANY_MAX = 100


def respond_to_allocations_handler(info: Info, data: Any) -> dict[str, Any]:
    if not 1 <= len(data.allocation_ids) <= RESPOND_MANY_MAX:
        raise ServiceError.of(ErrorCode.INVALID, _("Answer 1 to 100 proposals at once."), "allocationIds")
    scope = permissions.allocations(info.context.user)
    allocations = [scoped_object(scope, global_id, "Allocation", field="allocationIds",
                                 message=_("There is no such allocation."))
                   for global_id in data.allocation_ids]
    answered = respond_to_allocations(
        actor=info.context.user,
        allocations=allocations,
        accept=data.accept,
        reason=data.get("reason"),
        idempotency_key=data.get("idempotency_key"),
        now=info.context.now,
    )
    return {"allocations": answered}


class MatchingMutation(graphene.ObjectType):
    post_need = mutation_field("postNeed", PostNeedInput, post_need_handler, returns={"need": Need})
    update_need = mutation_field("updateNeed", UpdateNeedInput, update_need_handler, returns={"need": Need})
    close_need = mutation_field("closeNeed", CloseNeedInput, close_need_handler, returns={"need": Need})
    support_need = mutation_field("supportNeed", SupportNeedInput, support_need_handler, returns={"need": Need})
    run_matching = mutation_field(
        "runMatching",
        RunMatchingInput,
        run_matching_handler,
        returns={"match_run": MatchRun},
        description="CONFLICT (with that run) while an overlapping run is queued or running",
    )
    respond_to_allocation = mutation_field(
        "respondToAllocation",
        RespondToAllocationInput,
        respond_to_allocation_handler,
        returns={"allocation": Allocation},
    )
    respond_to_allocations = mutation_field(
        "respondToAllocations",
        RespondToAllocationsInput,
        respond_to_allocations_handler,
        returns={"allocations": graphene.List(graphene.NonNull(Allocation))},
        description="all or nothing: the first refusal undoes the others",
    )


declare_list_bound("RespondToAllocationsPayload", "allocations", RESPOND_MANY_MAX)
