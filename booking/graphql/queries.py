"""Root query fields of the booking part: resources (the search with free capacity), myBookings,
unitBookings, kitchenSheet, myNotifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

import graphene
from django.db.models import BigIntegerField, CharField, DateTimeField, Q
from graphql import GraphQLResolveInfo as Info

from booking.models import Booking
from booking.services import code_guesses
from booking.services.availability import MAX_WINDOWS
from booking.services.kitchen import DIET_COUNTS_MAX, kitchen_sheet
from booking.services.validators import normalise_plate
from core.db.prepared import Param, Prepared
from core.errors import ErrorCode, ServiceError
from core.graphql.enums import BookingStatus, ResourceCategory, TargetGroup, value_of
from core.graphql.errors import coded_error
from core.graphql.limits import declare_list_bound
from core.graphql.relay import PreparedPage, connection_from, decode_int_id
from core.graphql.scalars import Date, DateTime
from core.graphql.selection import selected
from marketplace.graphql import permissions as marketplace_permissions
from marketplace.graphql.types import GeoPointInput, ResourceConnection, viewer_of

from . import permissions
from .search import ResourceSearch, search_page
from .types import BookingConnection, KitchenSheetLine, NotificationConnection

# Resource fields answered from the resource's own row (marketplace/graphql/types.py): no unit needed.
RESOURCE_COLUMNS = {"__typename", "id", "name", "category", "description", "address", "capacity", "location",
                    "bookingMode", "targetGroup", "requiresApproval", "accessible", "checkInRequired",
                    "followsHolidayCalendar", "bookingOpensDaysBefore", "bookingClosesMinutesBefore",
                    "cancelUntilMinutesBefore", "maxActivePerResident"}


def _booking_relations(info: Info) -> list[str]:
    """The relations a page of bookings joins: the resource always (permissions read it); its unit and
    subdistrict unless the resource's selection is only its own columns; `bookedBy` and `standing` when
    selected."""
    node = selected(info, "edges", "node") or set()
    relations = ["resource"]
    if not (selected(info, "edges", "node", "resource") or set()) <= RESOURCE_COLUMNS:
        relations.append("resource__unit__subdistrict")
    relations += [name for field, name in (("bookedBy", "booked_by"), ("standing", "standing")) if field in node]
    return relations


def _filter_bookings(qs: Any, statuses: list[Any] | None, start: Any, end: Any) -> Any:
    """The filters of a list of bookings (values, or a prepared statement's Params), in its order."""
    if statuses:
        qs = qs.filter(status__in=[s if isinstance(s, Param) else value_of(s) for s in statuses])
    if start is not None:
        qs = qs.filter(start__gte=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    return qs.order_by("start", "id")


def _my_bookings_page(shape: tuple[tuple[str, ...], int, bool, bool, int]) -> Any:
    """The first page of the viewer's own bookings — `bookings(viewer)` limited to `user = viewer`, which
    is the owner's clause of that scope — as a prepared statement (core/db/prepared.py)."""
    relations, statuses, since, until, limit = shape
    qs = Booking.objects.filter(user_id=Param("user", BigIntegerField())).select_related(*relations)
    return _filter_bookings(qs, [Param(f"status{i}", CharField()) for i in range(statuses)],
                            Param("from", DateTimeField()) if since else None,
                            Param("to", DateTimeField()) if until else None)[:limit]


MY_BOOKINGS = Prepared(_my_bookings_page)


def _refuse_code_guesses(info: Info, viewer: Any) -> None:
    """A staff member who missed too many codes gets RATE_LIMITED (booking/services/code_guesses.py)."""
    try:
        code_guesses.refuse_if_held(viewer, now=info.context.now)
    except ServiceError as exc:
        error = exc.errors[0]
        raise coded_error(ErrorCode.RATE_LIMITED, error.message,
                          until=error.until.isoformat() if error.until else None) from exc


SEARCH_MAX = 100


def _unit_search(search: str) -> Q:
    """A booking by its check-in code, its plate or the resident's full name, each exactly: a part of a
    name would unmask the name `residentName` masks for unit staff (张*明)."""
    text = search.strip()[:SEARCH_MAX]
    return Q(check_in_code=text) | Q(plate_number=normalise_plate(text)) | Q(user__full_name=text)


class BookingQuery(graphene.ObjectType):
    resources = graphene.NonNull(
        ResourceConnection,
        category=ResourceCategory(), near=GeoPointInput(), radius_m=graphene.Int(),
        available_from=graphene.Argument(DateTime), available_to=graphene.Argument(DateTime),
        min_remaining=graphene.Int(), target_group=TargetGroup(), accessible=graphene.Boolean(),
        unit=graphene.ID(), search=graphene.String(), first=graphene.Int(), after=graphene.String(),
        description="with `near`: nearest first; otherwise by name",
    )
    my_bookings = graphene.NonNull(BookingConnection, statuses=graphene.List(graphene.NonNull(BookingStatus)),
                                   from_=graphene.Argument(DateTime, name="from"), to=graphene.Argument(DateTime),
                                   first=graphene.Int(), after=graphene.String(), description="by start, then id")
    unit_bookings = graphene.NonNull(BookingConnection, resource=graphene.ID(),
                                     statuses=graphene.List(graphene.NonNull(BookingStatus)),
                                     from_=graphene.Argument(DateTime, name="from"), to=graphene.Argument(DateTime),
                                     search=graphene.String(), first=graphene.Int(), after=graphene.String(),
                                     description="by start, then id")
    kitchen_sheet = graphene.NonNull(graphene.List(graphene.NonNull(KitchenSheetLine)),
                                     resource=graphene.NonNull(graphene.ID), date=graphene.NonNull(Date),
                                     description="U and G: per slot of the day, after the booking cutoff")
    my_notifications = graphene.NonNull(NotificationConnection, unread_only=graphene.Boolean(),
                                        first=graphene.Int(), after=graphene.String(), description="newest first")

    @staticmethod
    def resolve_resources(root: Any, info: Info, first: int | None = None, after: str | None = None,
                          **kwargs: Any) -> Any:
        near = kwargs.get("near")
        unit = kwargs.get("unit")
        params = ResourceSearch(
            category=value_of(kwargs.get("category")),
            near=(near.lat, near.lon) if near is not None else None,
            radius_m=kwargs.get("radius_m"),
            available_from=kwargs.get("available_from"),
            available_to=kwargs.get("available_to"),
            min_remaining=kwargs.get("min_remaining"),
            target_group=value_of(kwargs.get("target_group")),
            accessible=kwargs.get("accessible"),
            unit_id=decode_int_id(unit, "WorkUnit") if unit is not None else None,
            unit_given=unit is not None,
            search=kwargs.get("search"),
        )
        # the unit and its subdistrict only when the selection shows more than the resource's own row; the
        # stored horizon (`hours`) only for slots (booking/graphql/data.py reads it there)
        node = selected(info, "edges", "node") or set()
        own = node <= RESOURCE_COLUMNS | {"distanceM", "slots"}
        relations = (() if own else ("unit__subdistrict",)) + (("hours",) if "slots" in node else ())
        qs = search_page(viewer_of(info), params, info.context.now, relations)
        connection = connection_from(ResourceConnection, qs, first, after, info=info, seen="Resource")
        info.context.seen("WorkUnit", [e.node.unit_id for e in connection.edges])
        return connection

    @staticmethod
    def resolve_my_bookings(root: Any, info: Info, statuses: list[Any] | None = None, to: dt.datetime | None = None,
                            first: int | None = None, after: str | None = None, **kwargs: Any) -> Any:
        viewer = viewer_of(info)
        qs = permissions.bookings(viewer)
        if viewer is None:
            return connection_from(BookingConnection, qs.none(), first, after, info=info, seen="Booking")
        # every row's user is the viewer: not joined and prefetched again for each row, attached below;
        # the other relations only when the selection shows them
        relations = tuple(_booking_relations(info))
        since = kwargs.get("from_")

        def queryset() -> Any:
            own = qs.filter(user_id=viewer.pk).select_related(None).select_related(*relations).prefetch_related(None)
            return _filter_bookings(own, statuses, since, to)

        chosen = [value_of(s) for s in statuses or []]
        values = {"user": viewer.pk, "from": since, "to": to} | {f"status{i}": s for i, s in enumerate(chosen)}
        page = PreparedPage(lambda limit: MY_BOOKINGS.all((relations, len(chosen), since is not None, to is not None,
                                                          limit), values), queryset)
        connection = connection_from(BookingConnection, page, first, after, info=info, seen="Booking")
        for edge in connection.edges:
            edge.node.user = viewer
        return connection

    @staticmethod
    def resolve_unit_bookings(root: Any, info: Info, resource: str | None = None, statuses: list[Any] | None = None,
                              to: dt.datetime | None = None, search: str | None = None, first: int | None = None,
                              after: str | None = None, **kwargs: Any) -> Any:
        viewer = viewer_of(info)
        qs = permissions.bookings(viewer)
        unit_id = viewer.unit_id if viewer is not None else None
        qs = qs.filter(resource__unit_id=unit_id) if unit_id is not None else qs.none()
        if resource is not None:
            pk = decode_int_id(resource, "Resource")
            qs = qs.filter(resource_id=pk) if pk is not None else qs.none()
        guessing = viewer is not None and bool(search) and code_guesses.looks_like_code(search or "")
        if guessing:
            _refuse_code_guesses(info, viewer)
        if search and search.strip():
            qs = qs.filter(_unit_search(search))
        qs = _filter_bookings(qs, statuses, kwargs.get("from_"), to)
        if guessing and viewer is not None and not qs.exists():
            code_guesses.missed(viewer, now=info.context.now)
        return connection_from(BookingConnection, qs, first, after, info=info, seen="Booking")

    @staticmethod
    def resolve_kitchen_sheet(root: Any, info: Info, resource: str, date: dt.date) -> list[Any]:
        viewer = viewer_of(info)
        pk = decode_int_id(resource, "Resource")
        if viewer is None or pk is None:
            return []
        found = marketplace_permissions.resources(viewer).filter(pk=pk).first()
        if found is None or not viewer.works_at_unit(found.unit_id):
            return []
        try:
            lines = kitchen_sheet(viewer=viewer, resource=found, date=date, now=info.context.now)
        except ServiceError:
            return []
        info.context.seen("Slot", [line.slot.pk for line in lines if line.slot.pk is not None])
        return lines

    @staticmethod
    def resolve_my_notifications(root: Any, info: Info, unread_only: bool | None = None, first: int | None = None,
                                 after: str | None = None) -> Any:
        viewer = viewer_of(info)
        qs = permissions.notifications(viewer)
        unread = qs.filter(read_at__isnull=True).count() if viewer is not None else 0
        if unread_only:
            qs = qs.filter(read_at__isnull=True)
        qs = qs.order_by("-created_at", "-id")
        connection = connection_from(NotificationConnection, qs, first, after, info=info, seen="Notification",
                                     unread_count=unread)
        info.context.seen("NotificationBooking", [e.node.booking_id for e in connection.edges
                                                  if e.node.booking_id is not None])
        return connection


declare_list_bound("Query", "kitchenSheet", MAX_WINDOWS)  # a line per slot of the day
declare_list_bound("KitchenSheetLine", "dietCounts", DIET_COUNTS_MAX)
