"""GraphQL types of the booking part: Slot, Booking, StandingBooking, KitchenSheetLine, Notification.

A Slot is a `booking.services.slots.SlotView` (stored or virtual); its global ID is built from
`slot_key(resource, start)`, so it is stable before and after the slot is stored. Personal fields of
a booking follow booking/graphql/permissions.py; per-object reads go through dataloaders.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import graphene
from django.utils.translation import gettext
from graphene import relay
from graphql import GraphQLResolveInfo as Info

from booking.models import Booking as BookingRow
from booking.models import StandingBooking as StandingBookingRow
from booking.models.slot import remaining_for
from booking.notifications.rendering import render
from booking.services.quota import quota_remaining_for
from booking.services.slots import SlotView, slot_view
from booking.services.waitlist import waitlist_positions
from core.clock import local_date
from core.errors import ServiceError
from core.graphql.enums import BookingStatus, NotificationKind, Sex
from core.graphql.relay import ID_DIGITS_MAX, ScopedNode, global_id, make_connection
from core.graphql.scalars import Date, DateTime, Time
from core.inputs import ascii_int
from marketplace import models, privacy
from marketplace.graphql.types import Resource, User, viewer_of
from marketplace.models import TargetGroup

from . import permissions
from .data import booking_calendar_url


def _resource(info: Info, resource_id: int) -> models.Resource | None:
    known = info.context.object_of("Resource", resource_id)
    if known is not None:
        return known  # type: ignore[no-any-return]
    loader = info.context.loader("resource", lambda ids: models.Resource.objects.select_related(
        "unit__subdistrict").in_bulk(ids))
    return loader.load(resource_id, info.context.siblings("SlotResource"))  # type: ignore[no-any-return]


def _viewer_home(info: Info) -> int | None:
    """The viewer's home community, read once per request (a list asks it for every slot)."""
    viewer = viewer_of(info)
    return info.context.remember("viewer.home_community_id",  # type: ignore[no-any-return]
                                 lambda: viewer.home_community_id if viewer is not None else None)


def _viewer_quota(info: Info, slot: Any) -> int:
    if slot.pk is None or slot.held == 0:  # held is the quota not yet booked (I1): nobody has any left here
        return 0
    community_id = _viewer_home(info)
    if community_id is None:
        return 0
    def batch(ids: list[int]) -> dict[int, int]:
        return quota_remaining_for(ids, community_id)

    loader = info.context.loader("slot.quota", batch, default=0)
    return loader.load(slot.pk, info.context.siblings("Slot"))  # type: ignore[no-any-return]


def _remaining_terms(info: Info, resource: models.Resource) -> tuple[dt.datetime, dt.datetime, bool | None]:
    """Once a request per resource: the starts open for booking now, and whether the viewer's community
    quota counts for them (None: it depends on the slot's day — the viewer's age there)."""
    def terms() -> tuple[dt.datetime, dt.datetime, bool | None]:
        viewer = viewer_of(info)
        after, until = resource.bookable_starts(info.context.now)
        if viewer is None or _viewer_home(info) is None:
            return after, until, False
        return after, until, True if resource.target_group == TargetGroup.ANYONE else None

    return info.context.remember(("remaining", resource.pk), terms)  # type: ignore[no-any-return]


class SlotState(graphene.Enum):
    """What a viewer can do with a slot now: OPEN (book), FULL (join the waiting list), CLOSED (closed by
    the unit), NOT_YET_OPEN (booking opens later), BOOKING_CLOSED (too late, or past)."""

    OPEN = "OPEN"
    FULL = "FULL"
    CLOSED = "CLOSED"
    NOT_YET_OPEN = "NOT_YET_OPEN"
    BOOKING_CLOSED = "BOOKING_CLOSED"


HOLDS_A_PLACE = ("PENDING", "CONFIRMED", "WAITLISTED", "CHECKED_IN")


def _viewer_bookings_at(info: Info, resource_id: int) -> dict[dt.datetime, Any]:
    """The viewer's bookings that hold (or wait for) a place on the resource, by start; once a request."""
    viewer = viewer_of(info)

    def load() -> dict[dt.datetime, Any]:
        if viewer is None or not viewer.is_authenticated:
            return {}
        rows = BookingRow.objects.filter(user=viewer, resource_id=resource_id, status__in=HOLDS_A_PLACE,
                                      end__gte=info.context.now).order_by("start", "id")
        return {b.start: b for b in rows}

    return info.context.remember(("viewerBookingsAt", resource_id), load)  # type: ignore[no-any-return]


@lru_cache(maxsize=65536)
def slot_global_id(key: str) -> str:
    return global_id("Slot", key)


class Slot(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    # Node's `id: ID!`, written here instead of by graphene's GlobalID field: a week of slots writes the same
    # hundreds of ids on every request, memoised by key (slot_global_id)
    id = graphene.ID(required=True, description="The ID of the object")

    resource = graphene.NonNull(Resource)
    start = graphene.NonNull(DateTime)
    end = graphene.NonNull(DateTime)
    capacity = graphene.NonNull(graphene.Int)
    booked = graphene.NonNull(graphene.Int)
    held = graphene.NonNull(graphene.Int)
    remaining = graphene.NonNull(graphene.Int)
    quota_remaining = graphene.NonNull(graphene.Int)
    closed = graphene.NonNull(graphene.Boolean)
    sex = graphene.NonNull(Sex)
    state = graphene.NonNull(SlotState, description="what the viewer can do with the slot now")
    my_booking = graphene.Field("booking.graphql.types.Booking",
                                description="the viewer's own booking of this slot that holds or waits for a "
                                            "place (PENDING, CONFIRMED, WAITLISTED, CHECKED_IN), if any")

    @staticmethod
    def resolve_state(root: Any, info: Info) -> str:
        if root.closed:
            return "CLOSED"
        resource = _resource(info, root.resource_id)
        now = info.context.now
        if resource is None:
            return "BOOKING_CLOSED"
        if now >= resource.booking_closes_at(root.start):
            return "BOOKING_CLOSED"
        if now < resource.booking_opens_at(root.start):
            return "NOT_YET_OPEN"
        return "OPEN" if Slot.resolve_remaining(root, info) > 0 else "FULL"

    @staticmethod
    def resolve_my_booking(root: Any, info: Info) -> Any:
        return _viewer_bookings_at(info, root.resource_id).get(root.start)

    @classmethod
    def is_type_of(cls, root: Any, info: Info) -> bool:
        return isinstance(root, SlotView)

    @classmethod
    def get_node(cls, info: Info, key: str) -> Any:
        try:
            view = slot_view(key)
        except ServiceError:
            return None
        if view is None or _resource(info, view.resource_id) is None:
            return None
        return view

    @staticmethod
    def resolve_id(root: Any, info: Info) -> str:
        return slot_global_id(root.key)

    @staticmethod
    def resolve_resource(root: Any, info: Info) -> models.Resource | None:
        return _resource(info, root.resource_id)

    @staticmethod
    def resolve_quota_remaining(root: Any, info: Info) -> int:
        return _viewer_quota(info, root)

    @staticmethod
    def resolve_remaining(root: Any, info: Info) -> int:
        if root.closed:
            return 0
        resource = _resource(info, root.resource_id)
        if resource is None:
            return 0
        after, until, eligible = _remaining_terms(info, resource)
        if not after < root.start <= until:  # resource.booking_open(root.start, now) for a list of slots
            return 0
        if eligible is None:  # an age group: the viewer's age on the slot's day decides
            viewer = viewer_of(info)
            eligible = viewer is not None and resource.target_group in viewer.eligible_groups(local_date(root.start))
        return remaining_for(open_remaining=int(root.open_remaining),
                             quota_left=_viewer_quota(info, root) if eligible else 0, quota_counts=eligible)


class StandingBooking(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    resource = graphene.NonNull(Resource)
    weekdays = graphene.NonNull(graphene.List(graphene.NonNull(graphene.Int)))
    start_time = graphene.NonNull(Time)
    starts_on = graphene.NonNull(Date)
    ends_on = graphene.NonNull(Date)
    quantity = graphene.NonNull(graphene.Int)
    active = graphene.NonNull(graphene.Boolean)

    @classmethod
    def is_type_of(cls, root: Any, info: Info) -> bool:
        return isinstance(root, StandingBookingRow)

    @classmethod
    def get_node(cls, info: Info, pk: str) -> Any:
        viewer = viewer_of(info)
        number = ascii_int(pk, ID_DIGITS_MAX)
        if viewer is None or number is None:
            return None
        visible = permissions.bookings(viewer).filter(standing_id=number).exists()
        own = StandingBookingRow.objects.filter(pk=number, user_id=viewer.pk).exists()
        if not (visible or own):
            return None
        return StandingBookingRow.objects.select_related("resource").filter(pk=int(pk)).first()


class Booking(ScopedNode, graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    node_model = "booking.Booking"
    node_scope = staticmethod(permissions.bookings)

    resource = graphene.NonNull(Resource)
    start = graphene.NonNull(DateTime)
    end = graphene.NonNull(DateTime)
    quantity = graphene.NonNull(graphene.Int)
    attendees = graphene.Int()
    status = graphene.NonNull(BookingStatus)
    status_reason = graphene.String()
    waitlist_position = graphene.Int()
    created_at = graphene.NonNull(DateTime)
    resident_name = graphene.NonNull(graphene.String)
    booked_by = graphene.Field(User)
    standing = graphene.Field(StandingBooking)
    plate_number = graphene.String()
    note = graphene.String()
    check_in_code = graphene.String()
    calendar_url = graphene.String()
    no_show_cleared_at = graphene.Field(DateTime, description="set when a unit admin cleared this no-show")
    checked_in_at = graphene.Field(DateTime, description="when the resident was checked in")

    @staticmethod
    def resolve_status_reason(root: Any, info: Info) -> str | None:
        # System reasons are stored as their English msgid and shown in the viewer's language; a reason a
        # person typed is no msgid and passes through unchanged.
        return gettext(root.status_reason) if root.status_reason else None

    @staticmethod
    def resolve_waitlist_position(root: Any, info: Info) -> int | None:
        if root.status != "WAITLISTED":
            return None
        def batch(ids: list[int]) -> dict[int, int]:
            known = info.context.objects.get("Booking", {})
            return waitlist_positions([known.get(pk) or BookingRow.objects.get(pk=pk) for pk in ids])

        siblings = [b.pk for b in info.context.objects.get("Booking", {}).values() if b.status == "WAITLISTED"]
        loader = info.context.loader("booking.waitlist", batch)
        return loader.load(root.pk, siblings)  # type: ignore[no-any-return]

    @staticmethod
    def resolve_resident_name(root: Any, info: Info) -> str:
        return privacy.display_name_for(viewer_of(info), root.user)

    @staticmethod
    def resolve_booked_by(root: Any, info: Info) -> models.User | None:
        return root.booked_by  # type: ignore[no-any-return]

    @staticmethod
    def resolve_plate_number(root: Any, info: Info) -> str | None:
        return (root.plate_number or None) if permissions.may_see_details(viewer_of(info), root) else None

    @staticmethod
    def resolve_note(root: Any, info: Info) -> str | None:
        return (root.note or None) if permissions.may_see_details(viewer_of(info), root) else None

    @staticmethod
    def resolve_check_in_code(root: Any, info: Info) -> str | None:
        return root.check_in_code if permissions.may_see_code(viewer_of(info), root) else None

    @staticmethod
    def resolve_calendar_url(root: Any, info: Info) -> str | None:
        if not permissions.may_see_code(viewer_of(info), root):
            return None
        return booking_calendar_url(info, root)


class DietCount(graphene.ObjectType):
    """One dietary note of a sitting and how many places were booked with it."""

    note = graphene.NonNull(graphene.String)
    diners = graphene.NonNull(graphene.Int, description="places booked with this note")


class KitchenSheetLine(graphene.ObjectType):
    slot = graphene.NonNull(Slot)
    confirmed = graphene.NonNull(graphene.Int)
    checked_in = graphene.NonNull(graphene.Int)
    notes = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)))
    diet_counts = graphene.NonNull(graphene.List(graphene.NonNull(DietCount)),
                                   description="the distinct notes, each with its places, the most first")


class Notification(ScopedNode, graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    node_model = "notifications.Notification"
    node_scope = staticmethod(permissions.notifications)

    kind = graphene.NonNull(NotificationKind)
    title = graphene.NonNull(graphene.String)
    message = graphene.NonNull(graphene.String)
    created_at = graphene.NonNull(DateTime)
    read_at = graphene.Field(DateTime)
    booking = graphene.Field(Booking)

    @staticmethod
    def _rendered(root: Any) -> tuple[str, str]:
        return render(root)

    @staticmethod
    def resolve_title(root: Any, info: Info) -> str:
        return Notification._rendered(root)[0]

    @staticmethod
    def resolve_message(root: Any, info: Info) -> str:
        return Notification._rendered(root)[1]

    @staticmethod
    def resolve_booking(root: Any, info: Info) -> Any:
        if root.booking_id is None:
            return None
        def batch(ids: list[int]) -> dict[int, Any]:
            return dict(permissions.bookings(viewer_of(info)).in_bulk(ids))

        loader = info.context.loader("notification.booking", batch)
        return loader.load(root.booking_id, info.context.siblings("NotificationBooking"))


BookingConnection = make_connection(Booking)
NotificationConnection = make_connection(Notification, unread_count=graphene.NonNull(graphene.Int))
