"""Input types of the marketplace mutations, named as in the contract."""

from __future__ import annotations

import graphene

from core.graphql.scalars import Date, Time

from core.graphql.enums import BookingMode, ResourceCategory, Sex, TargetGroup
from .types import GeoPointInput


class OpeningWindowInput(graphene.InputObjectType):
    weekdays = graphene.NonNull(graphene.List(graphene.NonNull(graphene.Int)))
    start_time = graphene.NonNull(Time)
    end_time = graphene.NonNull(Time)
    ends_next_day = graphene.Boolean()
    valid_from = graphene.Field(Date)
    valid_to = graphene.Field(Date)
    capacity = graphene.Int()
    sex = graphene.Field(Sex)


class PublishResourceInput(graphene.InputObjectType):
    name = graphene.NonNull(graphene.String)
    category = graphene.NonNull(ResourceCategory)
    description = graphene.String()
    address = graphene.NonNull(graphene.String)
    location = graphene.NonNull(GeoPointInput)
    capacity = graphene.NonNull(graphene.Int)
    booking_mode = graphene.Field(BookingMode)
    target_group = graphene.Field(TargetGroup)
    requires_approval = graphene.Boolean()
    accessible = graphene.Boolean()
    check_in_required = graphene.Boolean()
    follows_holiday_calendar = graphene.Boolean()
    booking_opens_days_before = graphene.Int()
    booking_closes_minutes_before = graphene.Int()
    cancel_until_minutes_before = graphene.Int()
    max_active_per_resident = graphene.Int()
    opening_hours = graphene.List(graphene.NonNull(OpeningWindowInput))
    idempotency_key = graphene.String()


class UpdateResourceInput(graphene.InputObjectType):
    resource_id = graphene.NonNull(graphene.ID)
    name = graphene.String()
    description = graphene.String()
    address = graphene.String()
    location = graphene.Field(GeoPointInput)
    capacity = graphene.Int()
    target_group = graphene.Field(TargetGroup)
    requires_approval = graphene.Boolean()
    accessible = graphene.Boolean()
    check_in_required = graphene.Boolean()
    follows_holiday_calendar = graphene.Boolean()
    booking_opens_days_before = graphene.Int()
    booking_closes_minutes_before = graphene.Int()
    cancel_until_minutes_before = graphene.Int()
    max_active_per_resident = graphene.Int()
    opening_hours = graphene.List(graphene.NonNull(OpeningWindowInput))
    archived = graphene.Boolean()


class UpdateResidentInput(graphene.InputObjectType):
    resident_id = graphene.NonNull(graphene.ID)
    verified = graphene.Boolean()
    disabled = graphene.Boolean()
    consent_recorded = graphene.Boolean()


class CreateResidentInput(graphene.InputObjectType):
    full_name = graphene.NonNull(graphene.String)
    birth_date = graphene.Field(Date)
    phone = graphene.String()
    sex = graphene.Field(Sex)
    verified = graphene.Boolean()
    idempotency_key = graphene.String()


class DeleteMyDataInput(graphene.InputObjectType):
    confirm = graphene.NonNull(graphene.Boolean, description="must be true: the deletion cannot be undone")
