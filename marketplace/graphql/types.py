"""GraphQL types of the marketplace: Subdistrict, Community, WorkUnit, Resource, User and their parts.

Plain graphene ObjectTypes with every field declared (never "__all__"); each Node type has
`get_node`, which looks the object up in the viewer's scoped queryset (permissions.py), and
`is_type_of`, so `node(id:)` resolves it. Booking figures (slots, opening hours, utilisation,
contribution) come from booking/graphql/data.py through per-request dataloaders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import graphene
from django.utils import timezone
from graphene import relay
from graphql import GraphQLResolveInfo as Info

from core.graphql.relay import ScopedNode, make_connection
from core.graphql.scalars import Date, DateTime, Time
from marketplace import privacy
from marketplace.models import Community, Resource, Subdistrict, User, WorkUnit

from . import permissions
from core.graphql.enums import BookingMode, ResourceCategory, Role, Sex, TargetGroup, WorkUnitKind
from .geo import distance_m


def viewer_of(info: Info) -> User | None:
    return info.context.user  # type: ignore[no-any-return]


def _first(qs: Any, pk: Any) -> Any:
    try:
        return qs.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


class GeoPoint(graphene.ObjectType):
    lat = graphene.NonNull(graphene.Float)
    lon = graphene.NonNull(graphene.Float)


class GeoPointInput(graphene.InputObjectType):
    lat = graphene.NonNull(graphene.Float)
    lon = graphene.NonNull(graphene.Float)


class Subdistrict_(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "Subdistrict"
        interfaces = (relay.Node,)

    node_model = "marketplace.Subdistrict"
    node_scope = staticmethod(permissions.subdistricts)

    name = graphene.NonNull(graphene.String)
    centre = graphene.NonNull(GeoPoint)
    communities = graphene.NonNull(graphene.List(graphene.NonNull(lambda: Community_)))

    @staticmethod
    def resolve_centre(root: Subdistrict, info: Info) -> Subdistrict:
        return root

    @staticmethod
    def resolve_communities(root: Subdistrict, info: Info) -> list[Community]:
        def batch(ids: list[int]) -> dict[int, list[Community]]:
            out: dict[int, list[Community]] = {i: [] for i in ids}
            for c in Community.objects.filter(subdistrict_id__in=ids).select_related("subdistrict").order_by(
                    "name", "id"):
                out[c.subdistrict_id].append(c)
            return out

        loader = info.context.loader("subdistrict.communities", batch, default=[])
        return loader.load(root.pk, info.context.siblings("Subdistrict"))  # type: ignore[no-any-return]


class Community_(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "Community"
        interfaces = (relay.Node,)

    node_model = "marketplace.Community"
    node_scope = staticmethod(permissions.communities)

    name = graphene.NonNull(graphene.String)
    subdistrict = graphene.NonNull(Subdistrict_)
    location = graphene.NonNull(GeoPoint)
    population = graphene.Int()
    served_rate = graphene.Float(from_=graphene.Argument(graphene.NonNull(Date), name="from"),
                                 to=graphene.NonNull(Date),
                                 description="served / demand of the community's needs; W of it and S")

    @staticmethod
    def resolve_location(root: Community, info: Info) -> Community:
        return root

    @staticmethod
    def resolve_served_rate(root: Community, info: Info, to: dt.date, **kwargs: Any) -> float | None:
        if not permissions.may_see_community_figures(viewer_of(info), root.pk):
            return None
        from matching.graphql.data import community_served_rate

        return community_served_rate(info, root, kwargs["from_"], to)


class ContributionLine(graphene.ObjectType):
    category = graphene.NonNull(ResourceCategory)
    bookings = graphene.NonNull(graphene.Int)
    quantity = graphene.NonNull(graphene.Int)
    hours = graphene.NonNull(graphene.Float)


class WorkUnit_(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "WorkUnit"
        interfaces = (relay.Node,)

    node_model = "marketplace.WorkUnit"
    node_scope = staticmethod(permissions.units)

    name = graphene.NonNull(graphene.String)
    kind = graphene.NonNull(WorkUnitKind)
    subdistrict = graphene.NonNull(Subdistrict_)
    location = graphene.NonNull(GeoPoint)
    resources = graphene.NonNull(graphene.List(graphene.NonNull(lambda: Resource_)))
    contribution = graphene.NonNull(graphene.List(graphene.NonNull(ContributionLine)),
                                    from_=graphene.Argument(graphene.NonNull(Date), name="from"),
                                    to=graphene.NonNull(Date),
                                    description="what the unit shared, by category; U of the unit and S")

    @staticmethod
    def resolve_location(root: WorkUnit, info: Info) -> WorkUnit:
        return root

    @staticmethod
    def resolve_resources(root: WorkUnit, info: Info) -> list[Resource]:
        def batch(ids: list[int]) -> dict[int, list[Resource]]:
            out: dict[int, list[Resource]] = {i: [] for i in ids}
            for r in Resource.objects.listed().filter(unit_id__in=ids).select_related("unit__subdistrict", "hours"):
                out[r.unit_id].append(r)
            info.context.seen_objects("Resource", [r for rs in out.values() for r in rs])
            return out

        loader = info.context.loader("unit.resources", batch, default=[])
        return loader.load(root.pk, info.context.siblings("WorkUnit"))  # type: ignore[no-any-return]

    @staticmethod
    def resolve_contribution(root: WorkUnit, info: Info, to: dt.date, **kwargs: Any) -> list[Any]:
        if not permissions.may_see_unit_figures(viewer_of(info), root.pk):
            return []
        from booking.graphql.data import unit_contribution

        return unit_contribution(info, root, kwargs["from_"], to)


class OpeningWindow(graphene.ObjectType):
    weekdays = graphene.NonNull(graphene.List(graphene.NonNull(graphene.Int)))
    start_time = graphene.NonNull(Time)
    end_time = graphene.NonNull(Time)
    ends_next_day = graphene.NonNull(graphene.Boolean)
    valid_from = graphene.Field(Date)
    valid_to = graphene.Field(Date)
    capacity = graphene.NonNull(graphene.Int)
    sex = graphene.NonNull(Sex)


class UtilisationPoint(graphene.ObjectType):
    week_start = graphene.NonNull(Date)
    capacity = graphene.NonNull(graphene.Int)
    booked = graphene.NonNull(graphene.Int)
    checked_in = graphene.NonNull(graphene.Int)
    no_shows = graphene.NonNull(graphene.Int)


class Resource_(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "Resource"
        interfaces = (relay.Node,)

    node_model = "marketplace.Resource"
    node_scope = staticmethod(permissions.resources)

    name = graphene.NonNull(graphene.String)
    category = graphene.NonNull(ResourceCategory)
    description = graphene.NonNull(graphene.String)
    unit = graphene.NonNull(WorkUnit_)
    subdistrict = graphene.NonNull(Subdistrict_, description="the unit's subdistrict")
    address = graphene.NonNull(graphene.String)
    location = graphene.NonNull(GeoPoint)
    capacity = graphene.NonNull(graphene.Int)
    booking_mode = graphene.NonNull(BookingMode)
    target_group = graphene.NonNull(TargetGroup)
    requires_approval = graphene.NonNull(graphene.Boolean)
    accessible = graphene.NonNull(graphene.Boolean)
    check_in_required = graphene.NonNull(graphene.Boolean)
    follows_holiday_calendar = graphene.NonNull(graphene.Boolean)
    booking_opens_days_before = graphene.NonNull(graphene.Int)
    booking_closes_minutes_before = graphene.NonNull(graphene.Int)
    cancel_until_minutes_before = graphene.NonNull(graphene.Int)
    max_active_per_resident = graphene.NonNull(graphene.Int)
    distance_m = graphene.NonNull(graphene.Int, from_=graphene.Argument(graphene.NonNull(GeoPointInput),
                                                                        name="from"))
    opening_hours = graphene.NonNull(graphene.List(graphene.NonNull(OpeningWindow)))
    slots = graphene.NonNull(graphene.List(graphene.NonNull("booking.graphql.types.Slot")),
                             from_=graphene.Argument(graphene.NonNull(DateTime), name="from"),
                             to=graphene.NonNull(DateTime),
                             description="at most 31 days (INVALID beyond); ordered by start")
    utilisation = graphene.NonNull(graphene.List(graphene.NonNull(UtilisationPoint)),
                                   from_=graphene.Argument(graphene.NonNull(Date), name="from"),
                                   to=graphene.NonNull(Date),
                                   description="weekly points; U of the unit and S")

    @staticmethod
    def resolve_subdistrict(root: Resource, info: Info) -> Subdistrict:
        return root.unit.subdistrict

    @staticmethod
    def resolve_location(root: Resource, info: Info) -> Resource:
        return root

    @staticmethod
    def resolve_distance_m(root: Resource, info: Info, **kwargs: Any) -> int:
        point = kwargs["from_"]
        return round(distance_m(point.lat, point.lon, root.lat, root.lon))

    @staticmethod
    def resolve_opening_hours(root: Resource, info: Info) -> list[Any]:
        from booking.graphql.data import opening_hours

        return opening_hours(info, root)

    @staticmethod
    def resolve_slots(root: Resource, info: Info, to: dt.datetime, **kwargs: Any) -> list[Any]:
        from booking.graphql.data import resource_slots

        return resource_slots(info, root, kwargs["from_"], to)

    @staticmethod
    def resolve_utilisation(root: Resource, info: Info, to: dt.date, **kwargs: Any) -> list[Any]:
        if not permissions.may_see_unit_figures(viewer_of(info), root.unit_id):
            return []
        from booking.graphql.data import resource_utilisation

        return resource_utilisation(info, root, kwargs["from_"], to)


class User_(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "User"
        interfaces = (relay.Node,)

    node_model = "marketplace.User"
    node_scope = staticmethod(permissions.users)

    username = graphene.NonNull(graphene.String)
    display_name = graphene.NonNull(graphene.String, description="masked (张*明) where the viewer may not "
                                                                 "see the full name")
    roles = graphene.NonNull(graphene.List(graphene.NonNull(Role)))
    community = graphene.Field(Community_)
    unit = graphene.Field(WorkUnit_)
    residency_verified = graphene.NonNull(graphene.Boolean)
    email = graphene.String()
    phone = graphene.String()
    birth_date = graphene.Field(Date)
    eligible_groups = graphene.NonNull(graphene.List(graphene.NonNull(TargetGroup)))
    calendar_feed_url = graphene.String(description="the user's own iCalendar feed (secret address); self only")

    @staticmethod
    def _full(root: User, info: Info) -> bool:
        return privacy.may_see_personal(viewer_of(info), root)

    @staticmethod
    def resolve_username(root: User, info: Info) -> str:
        return root.username if User_._full(root, info) else privacy.mask_name(root.username)

    @staticmethod
    def resolve_display_name(root: User, info: Info) -> str:
        return privacy.display_name_for(viewer_of(info), root)

    @staticmethod
    def resolve_roles(root: User, info: Info) -> list[str]:
        return root.roles

    @staticmethod
    def resolve_community(root: User, info: Info) -> Community | None:
        pk = root.community_id
        if pk is None:
            return None
        loader = info.context.loader("community", lambda ids: Community.objects.select_related(
            "subdistrict").in_bulk(ids))
        return loader.load(pk)  # type: ignore[no-any-return]

    @staticmethod
    def resolve_unit(root: User, info: Info) -> WorkUnit | None:
        pk = root.unit_id
        if pk is None:
            return None
        loader = info.context.loader("unit", lambda ids: WorkUnit.objects.select_related(
            "subdistrict").in_bulk(ids))
        return loader.load(pk)  # type: ignore[no-any-return]

    @staticmethod
    def resolve_residency_verified(root: User, info: Info) -> bool:
        return root.residency_verified

    @staticmethod
    def resolve_email(root: User, info: Info) -> str | None:
        return (root.email or None) if User_._full(root, info) else None

    @staticmethod
    def resolve_phone(root: User, info: Info) -> str | None:
        return (root.phone or None) if User_._full(root, info) else None

    @staticmethod
    def resolve_birth_date(root: User, info: Info) -> dt.date | None:
        return root.birth_date if User_._full(root, info) else None

    @staticmethod
    def resolve_eligible_groups(root: User, info: Info) -> list[str]:
        if not User_._full(root, info):
            return []
        return root.eligible_groups(timezone.localdate(info.context.now))

    @staticmethod
    def resolve_calendar_feed_url(root: User, info: Info) -> str | None:
        viewer = viewer_of(info)
        if viewer is None or viewer.pk != root.pk:
            return None
        from booking.graphql.data import calendar_feed_url

        return calendar_feed_url(info, root)


ResourceConnection = make_connection(Resource_)
CommunityConnection = make_connection(Community_)
UserConnection = make_connection(User_)
