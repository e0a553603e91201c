"""Input types of the booking mutations, named as in the contract."""

from __future__ import annotations

import graphene

from core.graphql.scalars import Date, DateTime


class CloseSlotsInput(graphene.InputObjectType):
    resource_id = graphene.NonNull(graphene.ID)
    from_ = graphene.InputField(graphene.NonNull(DateTime), name="from")
    to = graphene.NonNull(DateTime)
    reason = graphene.NonNull(graphene.String)


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


class CancelBookingInput(graphene.InputObjectType):
    booking_id = graphene.NonNull(graphene.ID)
    reason = graphene.String()
    whole_standing = graphene.Boolean()


class ClearNoShowInput(graphene.InputObjectType):
    booking_id = graphene.NonNull(graphene.ID)


class DecideBookingInput(graphene.InputObjectType):
    booking_id = graphene.NonNull(graphene.ID)
    approve = graphene.NonNull(graphene.Boolean)
    reason = graphene.String()


class CheckInInput(graphene.InputObjectType):
    code = graphene.NonNull(graphene.String)
    resource_id = graphene.ID()


class MarkNotificationsReadInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))
    all = graphene.Boolean()
