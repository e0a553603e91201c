"""Booking mutations: closeSlots, bookSlot, cancelBooking, decideBooking, checkIn, markNotificationsRead,
clearNoShow.

Handlers parse input and find the objects in the viewer's scope (NOT_FOUND otherwise); the booking
services check the rest of the API's table and every rule.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from graphql import GraphQLResolveInfo as Info

from booking.notifications.services import mark_read, unread_count
from booking.services import code_guesses
from booking.services.availability import close_slots
from booking.services.bookings import BookingRequest, book_slot
from booking.services.calendar import rotate_booking_secret, rotate_feed_secret
from booking.services.lifecycle import cancel_booking, check_in, clear_no_show, decide_booking
from core.errors import ErrorCode, ErrorCollector, ServiceError
from core.graphql.mutations import input_fingerprint, mutation_field
from core.graphql.relay import decode_int_id, scoped_object
from core.inputs import ascii_int
from marketplace.graphql import permissions as marketplace_permissions
from marketplace.models import Resource, User
from marketplace.services.idempotency import claim_key

from . import data as data_of
from . import permissions
from .inputs import (
    BookSlotInput,
    CancelBookingInput,
    CheckInInput,
    ClearNoShowInput,
    CloseSlotsInput,
    DecideBookingInput,
    MarkNotificationsReadInput,
    RotateCalendarSecretInput,
)
from .resources import ResourceMutation
from .types import Booking, StandingBooking

FOR_RESIDENTS_MAX = 50


def _resource(info: Info, global_id: str | None, field: str = "resourceId") -> Resource:
    """The resource a mutation acts on, in the viewer's scope: its own row only (a payload that shows its
    unit reads that one row when asked; the services need the resource's columns)."""
    return scoped_object(
        lambda pk: marketplace_permissions.resource_in_scope(info.context.user, pk),
        global_id,
        "Resource",
        field=field,
        message=_("There is no such resource."),
    )  # type: ignore[no-any-return]


def _booking(info: Info, global_id: str) -> Any:
    return scoped_object(
        permissions.bookings(info.context.user),
        global_id,
        "Booking",
        field="bookingId",
        message=_("There is no such booking."),
    )


def close_slots_handler(info: Info, data: Any) -> dict[str, Any]:
    resource = _resource(info, data.resource_id)
    closed, cancelled = close_slots(
        actor=info.context.user,
        resource=resource,
        start=data.from_,
        end=data.to,
        reason=data.reason,
        now=info.context.now,
    )
    return {"closed_slots": closed, "cancelled_bookings": cancelled}


def _residents(info: Info, ids: list[str] | None) -> list[User] | None:
    if ids is None:
        return None
    if len(ids) > FOR_RESIDENTS_MAX:
        raise ServiceError.of(ErrorCode.INVALID, _("Book for at most 50 residents at once."), "forResidents")
    errors = ErrorCollector()
    wanted: list[int] = []
    for index, gid in enumerate(ids):
        pk = decode_int_id(gid, "User")
        if pk is None:
            errors.add(ErrorCode.NOT_FOUND, _("There is no such resident."), f"forResidents.{index}")
        else:
            wanted.append(pk)
    errors.raise_if_any()
    found = {u.pk: u for u in User.objects.filter(pk__in=wanted).prefetch_related("memberships")}
    for index, pk in enumerate(wanted):
        if pk not in found:
            errors.add(ErrorCode.NOT_FOUND, _("There is no such resident."), f"forResidents.{index}")
    errors.raise_if_any()
    return [found[pk] for pk in wanted]


def _given(data: Any, name: str, default: int) -> int:
    """An optional number: its default only when it is left out (0 is refused by the service, not made 1)."""
    value = data.get(name)
    return default if value is None else int(value)


def book_slot_handler(info: Info, data: Any) -> dict[str, Any]:
    resource = _resource(info, data.resource_id)
    weekdays = data.get("weekdays")
    request = BookingRequest(
        resource=resource,
        start=data.start,
        slots=_given(data, "slots", 1),
        quantity=_given(data, "quantity", 1),
        attendees=data.get("attendees"),
        plate_number=data.get("plate_number") or "",
        note=data.get("note") or "",
        join_waitlist=bool(data.get("join_waitlist")),
        standing_until=data.get("standing_until"),
        weekdays=tuple(weekdays) if weekdays is not None else None,
    )
    result = book_slot(
        actor=info.context.user,
        request=request,
        for_residents=_residents(info, data.get("for_residents")),
        idempotency_key=data.get("idempotency_key"),
        now=info.context.now,
    )
    return {"booking": result.booking, "bookings": list(result.bookings), "standing": result.standing}


def cancel_booking_handler(info: Info, data: Any) -> dict[str, Any]:
    booking = _booking(info, data.booking_id)
    booking = cancel_booking(
        actor=info.context.user,
        booking=booking,
        reason=data.get("reason") or "",
        whole_standing=bool(data.get("whole_standing")),
        now=info.context.now,
    )
    return {"booking": booking}


def decide_booking_handler(info: Info, data: Any) -> dict[str, Any]:
    booking = _booking(info, data.booking_id)
    booking = decide_booking(
        actor=info.context.user,
        booking=booking,
        approve=data.approve,
        reason=data.get("reason") or "",
        now=info.context.now,
    )
    return {"booking": booking}


def clear_no_show_handler(info: Info, data: Any) -> dict[str, Any]:
    """U of the resource's unit: the no-show no longer counts (booking.services.lifecycle.clear_no_show)."""
    booking = _booking(info, data.booking_id)
    return {"booking": clear_no_show(actor=info.context.user, booking=booking, now=info.context.now)}


def check_in_handler(info: Info, data: Any) -> dict[str, Any]:
    resource = _resource(info, data.resource_id) if data.get("resource_id") is not None else None
    code = (data.code or "").strip()
    if len(code) != 6 or ascii_int(code) is None:
        raise ServiceError.of(ErrorCode.NOT_FOUND, _("There is no booking with this code."), "code")
    code_guesses.refuse_if_held(info.context.user, now=info.context.now)
    try:
        booking = check_in(actor=info.context.user, code=code, resource=resource, now=info.context.now)
    except ServiceError as exc:
        if any(e.code == ErrorCode.NOT_FOUND for e in exc.errors):
            code_guesses.missed(info.context.user, now=info.context.now)
        raise
    return {"booking": booking, "already_checked_in": booking.checked_in_at < info.context.now}


def mark_notifications_read_handler(info: Info, data: Any) -> dict[str, Any]:
    ids = data.get("ids")
    pks: list[int] | None = None
    if ids is not None:
        if len(ids) > 500:
            raise ServiceError.of(ErrorCode.INVALID, _("Mark at most 500 notifications at once."), "ids")
        pks = [pk for pk in (decode_int_id(gid, "Notification") for gid in ids) if pk is not None]
    if pks is None and not data.get("all"):
        raise ServiceError.of(ErrorCode.INVALID, _("Give `ids` or `all`."), "ids")
    unread = mark_read(user=info.context.user, ids=pks, all=bool(data.get("all")), now=info.context.now)
    return {"unread_count": unread}


def rotate_calendar_secret_handler(info: Info, data: Any) -> dict[str, Any]:
    """A new secret address for one booking's .ics (`bookingId`: its owner, or the worker who booked it)
    or for the viewer's own feed; the old address answers 404 from then on. Idempotent by key."""
    actor = info.context.user
    booking = _booking(info, data.booking_id) if data.get("booking_id") is not None else None
    with transaction.atomic():
        claim = claim_key(user=actor, key=data.get("idempotency_key"), operation="rotateCalendarSecret",
                          payload=input_fingerprint(data))
        if claim.replay is None:
            if booking is not None:
                rotate_booking_secret(actor=actor, booking=booking)
            else:
                rotate_feed_secret(actor=actor, user=actor)
            claim.complete({"rotated": True})
    if booking is not None:
        booking.refresh_from_db(fields=["calendar_secret"])
        return {"calendar_url": data_of.booking_calendar_url(info, booking)}
    actor.refresh_from_db(fields=["feed_secret"])
    return {"calendar_feed_url": data_of.calendar_feed_url(info, actor)}


def _unread_now(info: Info) -> int:
    """unreadCount of a refused call: what is still unread (0 for anonymous)."""
    user = info.context.user
    return unread_count(user) if user is not None else 0


class BookingMutation(ResourceMutation, graphene.ObjectType):
    close_slots = mutation_field(
        "closeSlots",
        CloseSlotsInput,
        close_slots_handler,
        returns={"closed_slots": graphene.NonNull(graphene.Int), "cancelled_bookings": graphene.NonNull(graphene.Int)},
        defaults={"closed_slots": 0, "cancelled_bookings": 0},
        description="bookings inside are cancelled and their owners told",
    )
    book_slot = mutation_field(
        "bookSlot",
        BookSlotInput,
        book_slot_handler,
        returns={"booking": Booking, "bookings": [Booking], "standing": StandingBooking},
        defaults={"bookings": []},
    )
    cancel_booking = mutation_field(
        "cancelBooking", CancelBookingInput, cancel_booking_handler, returns={"booking": Booking}
    )
    decide_booking = mutation_field(
        "decideBooking", DecideBookingInput, decide_booking_handler, returns={"booking": Booking}
    )
    check_in = mutation_field(
        "checkIn",
        CheckInInput,
        check_in_handler,
        returns={"booking": Booking, "already_checked_in": graphene.NonNull(
            graphene.Boolean, description="the code had been used before (booking.checkedInAt says when)")},
        defaults={"already_checked_in": False},
        description="from 30 min before start to the end",
    )
    mark_notifications_read = mutation_field(
        "markNotificationsRead",
        MarkNotificationsReadInput,
        mark_notifications_read_handler,
        returns={"unread_count": graphene.NonNull(graphene.Int)},
        defaults={"unread_count": _unread_now},
    )
    rotate_calendar_secret = mutation_field(
        "rotateCalendarSecret",
        RotateCalendarSecretInput,
        rotate_calendar_secret_handler,
        returns={"calendar_url": graphene.String(), "calendar_feed_url": graphene.String()},
        description="the old address answers 404 from then on",
    )
    clear_no_show = mutation_field(
        "clearNoShow",
        ClearNoShowInput,
        clear_no_show_handler,
        returns={"booking": Booking},
        description="U of the resource's unit: the no-show no longer counts",
    )
