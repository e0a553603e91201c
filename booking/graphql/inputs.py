"""Input types of the booking mutations, named as in schema.graphql."""

from __future__ import annotations

import graphene

from booking.models import Booking, Slot
from core.graphql.enums import BookingMode, ResourceCategory, Sex, TargetGroup
from core.graphql.scalars import Date, DateTime, Time
from core.inputs import rule_of
from marketplace.graphql.types import GeoPointInput
from marketplace.models import Resource

RESOURCE_TEXT = {"name": rule_of(Resource, "name"), "address": rule_of(Resource, "address"),
                 "description": rule_of(Resource, "description", multiline=True)}


class CloseSlotsInput(graphene.InputObjectType):
    resource_id = graphene.NonNull(graphene.ID)
    from_ = graphene.InputField(graphene.NonNull(DateTime), name="from")
    to = graphene.NonNull(DateTime)
    reason = graphene.NonNull(graphene.String)

    text_rules = {"reason": rule_of(Slot, "closed_reason")}


class BookSlotInput(graphene.InputObjectType):
    resource_id = graphene.NonNull(graphene.ID)
    start = graphene.NonNull(DateTime)
    slots = graphene.Int()
    quantity = graphene.Int()
    attendees = graphene.Int()
    plate_number = graphene.String()
    note = graphene.String()
    join_waitlist = graphene.Boolean()
    standing_until = graphene.Field(Date)
    weekdays = graphene.List(graphene.NonNull(graphene.Int))
    for_residents = graphene.List(graphene.NonNull(graphene.ID))
    idempotency_key = graphene.String()

    text_rules = {"plate_number": rule_of(Booking, "plate_number"),
                  "note": rule_of(Booking, "note", multiline=True)}


class CancelBookingInput(graphene.InputObjectType):
    booking_id = graphene.NonNull(graphene.ID)
    reason = graphene.String()
    whole_standing = graphene.Boolean()

    text_rules = {"reason": rule_of(Booking, "status_reason")}


class ClearNoShowInput(graphene.InputObjectType):
    booking_id = graphene.NonNull(graphene.ID)


class DecideBookingInput(graphene.InputObjectType):
    booking_id = graphene.NonNull(graphene.ID)
    approve = graphene.NonNull(graphene.Boolean)
    reason = graphene.String()

    text_rules = {"reason": rule_of(Booking, "status_reason")}


class CheckInInput(graphene.InputObjectType):
    code = graphene.NonNull(graphene.String)
    resource_id = graphene.ID()

    text_rules = {"code": rule_of(Booking, "check_in_code")}


class MarkNotificationsReadInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))
    all = graphene.Boolean()


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

    text_rules = RESOURCE_TEXT


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

    text_rules = RESOURCE_TEXT


class RotateCalendarSecretInput(graphene.InputObjectType):
    booking_id = graphene.ID(description="that booking's .ics (its owner); none: the viewer's own feed")
    idempotency_key = graphene.String()
