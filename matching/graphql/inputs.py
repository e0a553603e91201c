"""Input types of the matching mutations, named as in schema.graphql."""

from __future__ import annotations

import graphene

from core.graphql.enums import ResourceCategory, TargetGroup, WeekdayPattern
from core.graphql.scalars import Date, Time
from core.inputs import rule_of
from matching.models import Allocation, Need


class PostNeedInput(graphene.InputObjectType):
    category = graphene.NonNull(ResourceCategory)
    title = graphene.NonNull(graphene.String)
    quantity = graphene.NonNull(graphene.Int)
    weekday_pattern = graphene.NonNull(WeekdayPattern)
    weekdays = graphene.List(graphene.NonNull(graphene.Int))
    start_time = graphene.NonNull(Time)
    end_time = graphene.NonNull(Time)
    ends_next_day = graphene.Boolean()
    starts_on = graphene.NonNull(Date)
    ends_on = graphene.NonNull(Date)
    target_group = graphene.Field(TargetGroup)
    max_distance_m = graphene.Int()
    priority = graphene.Int()
    source_ref = graphene.String()
    idempotency_key = graphene.String()

    text_rules = {"title": rule_of(Need, "title"), "source_ref": rule_of(Need, "source_ref")}


class UpdateNeedInput(graphene.InputObjectType):
    need_id = graphene.NonNull(graphene.ID)
    title = graphene.String()
    quantity = graphene.Int()
    starts_on = graphene.Field(Date)
    ends_on = graphene.Field(Date)
    max_distance_m = graphene.Int()
    priority = graphene.Int()

    text_rules = {"title": rule_of(Need, "title")}


class CloseNeedInput(graphene.InputObjectType):
    need_id = graphene.NonNull(graphene.ID)
    reason = graphene.NonNull(graphene.String)

    text_rules = {"reason": rule_of(Need, "close_reason", multiline=True)}


class SupportNeedInput(graphene.InputObjectType):
    need_id = graphene.NonNull(graphene.ID)
    support = graphene.NonNull(graphene.Boolean)


class RunMatchingInput(graphene.InputObjectType):
    horizon_days = graphene.Int()
    subdistrict = graphene.ID()
    idempotency_key = graphene.String()


class RespondToAllocationInput(graphene.InputObjectType):
    allocation_id = graphene.NonNull(graphene.ID)
    accept = graphene.NonNull(graphene.Boolean)
    reason = graphene.String()
    idempotency_key = graphene.String()

    text_rules = {"reason": rule_of(Allocation, "decline_reason", multiline=True)}


class RespondToAllocationsInput(graphene.InputObjectType):
    """Several proposals answered alike, all or nothing (a need's blocks at one resource)."""

    allocation_ids = graphene.NonNull(graphene.List(graphene.NonNull(graphene.ID)), description="1 to 100")
    accept = graphene.NonNull(graphene.Boolean)
    reason = graphene.String()
    idempotency_key = graphene.String()

    text_rules = {"reason": rule_of(Allocation, "decline_reason", multiline=True)}
