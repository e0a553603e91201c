"""Subscriptions of the booking part: slotsChanged and notificationAdded (served at POST /graphql/stream,
core/live/transport.py).

Each `subscribe_…` checks what it can before the stream opens (an error then is the subscription's only
answer) and returns a listener of the topic the services publish to after commit (booking/services/
live.py, booking/notifications/services.py). Each `resolve_…` gets the event as its root and re-reads
the object through the viewer's scope: what a subscriber sees (`remaining` with their community's
quota, a notification of their own) is never taken from the event.

slotsChanged is declared shareable (core/graphql/sharing.py): of a Slot, only `remaining`,
`quotaRemaining` and `state` depend on the viewer, and only through `_quota_class` (the home community
whose quota counts, and the groups the viewer belongs to on the slot's day); streams alike in that,
document, variables and language get one re-read per event. A selection of `resource` or `myBooking`
(which show per-viewer things) is answered per stream.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLResolveInfo as Info

from booking.models import Slot as SlotRow
from booking.services.slots import view_of
from core.clock import local_date
from core.errors import ErrorCode
from core.graphql.errors import coded_error
from core.graphql.relay import decode_int_id
from core.graphql.scalars import DateTime
from core.graphql.sharing import declare_shared
from core.live.executor import run_sync
from core.live.hub import listen
from marketplace.graphql import permissions as marketplace_permissions
from marketplace.graphql.types import viewer_of

from . import permissions
from .types import Notification, Slot


def _slot_key(topic: str, payload: dict[str, Any]) -> int:
    return int(payload["slot"])


def _notification_key(topic: str, payload: dict[str, Any]) -> int:
    return int(payload["notification"])


def _quota_facts(user: Any) -> Any:
    """What `_quota_class` needs of the viewer, read when the stream opens (the home community is a
    membership, read from the database once): None for anonymous viewers."""
    return None if user is None else (user.home_community_id, user)


def _quota_class(facts: Any, event: dict[str, Any]) -> Hashable:
    """All a Slot's shareable fields know of the viewer (Slot.resolve_remaining, _viewer_quota): signed
    in or not, the home community, and the eligible groups on the slot's day (the event's `start`; from
    the birth date and the disability flag, no database)."""
    if facts is None:
        return ("anonymous",)
    home, user = facts
    day = local_date(dt.datetime.fromtimestamp(float(event["start"]), dt.UTC))
    return ("signed-in", home, tuple(user.eligible_groups(day)))


declare_shared("slotsChanged", viewer=_quota_facts, viewer_class=_quota_class, fields={
    "Slot": {"id", "start", "end", "capacity", "booked", "held", "remaining", "quotaRemaining", "closed", "sex",
             "state"}})


class BookingSubscription(graphene.ObjectType):
    slots_changed = graphene.Field(
        graphene.NonNull(Slot), resource_id=graphene.ID(required=True),
        from_=graphene.Argument(graphene.NonNull(DateTime), name="from"), to=graphene.NonNull(DateTime),
        description="everyone; a slot of that resource starting in [from, to) whose booked, remaining or closed "
                    "changed; remaining is the viewer's")
    notification_added = graphene.Field(
        graphene.NonNull(Notification),
        description="any signed-in user: each new notification of the viewer, once")

    @staticmethod
    async def subscribe_slots_changed(root: Any, info: Info, resource_id: str, from_: dt.datetime,
                                      to: dt.datetime) -> Any:
        if to <= from_:
            raise coded_error(ErrorCode.INVALID, _("`to` must be after `from`."), field="to")
        pk = decode_int_id(resource_id, "Resource")
        viewer = viewer_of(info)
        visible = pk is not None and await run_sync(
            lambda: marketplace_permissions.resources(viewer).filter(pk=pk).exists())
        if not visible:
            raise coded_error(ErrorCode.NOT_FOUND, _("There is no such resource."))
        low, high = from_.timestamp(), to.timestamp()
        return await listen([f"slots:{pk}"], key=_slot_key,
                            accept=lambda payload: low <= float(payload["start"]) < high)

    @staticmethod
    def resolve_slots_changed(root: dict[str, Any], info: Info, **kwargs: Any) -> Any:
        row = SlotRow.objects.filter(pk=int(root["slot"])).first()
        if row is None:
            raise coded_error(ErrorCode.NOT_FOUND, _("There is no such slot."))
        info.context.seen("Slot", [row.pk])
        return view_of(row)

    @staticmethod
    async def subscribe_notification_added(root: Any, info: Info) -> Any:
        viewer = viewer_of(info)
        if viewer is None:
            raise coded_error(ErrorCode.UNAUTHENTICATED, _("Sign in to receive your notifications."))
        return await listen([f"notifications:{viewer.pk}"], key=_notification_key)

    @staticmethod
    def resolve_notification_added(root: dict[str, Any], info: Info) -> Any:
        found = permissions.notifications(viewer_of(info)).filter(pk=int(root["notification"])).first()
        if found is None:
            raise coded_error(ErrorCode.NOT_FOUND, _("There is no such notification."))
        return found
