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

from core.graphql.enums import BookingMode, ResourceCategory, Role, TargetGroup, WorkUnitKind
from core.graphql.limits import declare_list_bound
from core.graphql.relay import ID_DIGITS_MAX, ScopedNode, make_connection
from core.graphql.scalars import Date
from core.inputs import ascii_int
from marketplace import models, privacy

from . import permissions
from .geo import distance_m


def viewer_of(info: Info) -> models.User | None:
    return info.context.user  # type: ignore[no-any-return]


class GeoPoint(graphene.ObjectType):
    lat = graphene.NonNull(graphene.Float)
    lon = graphene.NonNull(graphene.Float)


class GeoPointInput(graphene.InputObjectType):
    lat = graphene.NonNull(graphene.Float)
    lon = graphene.NonNull(graphene.Float)


class Subdistrict(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "Subdistrict"
        interfaces = (relay.Node,)

    node_model = "marketplace.Subdistrict"
    node_scope = staticmethod(permissions.subdistricts)

    name = graphene.NonNull(graphene.String)
    centre = graphene.NonNull(GeoPoint)
    communities = graphene.NonNull(graphene.List(graphene.NonNull(lambda: Community)))

    @staticmethod
    def resolve_centre(root: models.Subdistrict, info: Info) -> models.Subdistrict:
        return root

    @staticmethod
    def resolve_communities(root: models.Subdistrict, info: Info) -> list[models.Community]:
        def batch(ids: list[int]) -> dict[int, list[models.Community]]:
            out: dict[int, list[models.Community]] = {i: [] for i in ids}
            for c in models.Community.objects.filter(subdistrict_id__in=ids).select_related("subdistrict").order_by(
                    "name", "id"):
                out[c.subdistrict_id].append(c)
            return out

        loader = info.context.loader("subdistrict.communities", batch, default=[])
        return loader.load(root.pk, info.context.siblings("Subdistrict"))  # type: ignore[no-any-return]


class Community(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "Community"
        interfaces = (relay.Node,)

    node_model = "marketplace.Community"
    node_scope = staticmethod(permissions.communities)

    name = graphene.NonNull(graphene.String)
    subdistrict = graphene.NonNull(Subdistrict)
    location = graphene.NonNull(GeoPoint)
    population = graphene.Int()

    @staticmethod
    def resolve_location(root: models.Community, info: Info) -> models.Community:
        return root

class WorkUnit(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "WorkUnit"
        interfaces = (relay.Node,)

    node_model = "marketplace.WorkUnit"
    node_scope = staticmethod(permissions.units)

    name = graphene.NonNull(graphene.String)
    kind = graphene.NonNull(WorkUnitKind)
    subdistrict = graphene.NonNull(Subdistrict)
    location = graphene.NonNull(GeoPoint)
    resources = graphene.NonNull(graphene.List(graphene.NonNull(lambda: Resource)))

    @staticmethod
    def resolve_location(root: models.WorkUnit, info: Info) -> models.WorkUnit:
        return root

    @staticmethod
    def resolve_resources(root: models.WorkUnit, info: Info) -> list[models.Resource]:
        def batch(ids: list[int]) -> dict[int, list[models.Resource]]:
            out: dict[int, list[models.Resource]] = {i: [] for i in ids}
            listed = models.Resource.objects.listed().filter(unit_id__in=ids)
            for r in listed.select_related("unit__subdistrict", "hours"):
                out[r.unit_id].append(r)
            info.context.seen_objects("Resource", [r for rs in out.values() for r in rs])
            return out

        loader = info.context.loader("unit.resources", batch, default=[])
        return loader.load(root.pk, info.context.siblings("WorkUnit"))  # type: ignore[no-any-return]

class Resource(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "Resource"
        interfaces = (relay.Node,)

    node_model = "marketplace.Resource"
    node_scope = staticmethod(permissions.resources)

    @classmethod
    def get_node(cls, info: Any, pk: Any) -> Any:
        """As ScopedNode's, through the scope's prepared statement (a client asks for one resource often)."""
        number = ascii_int(pk, ID_DIGITS_MAX)
        return None if number is None else permissions.resource_in_scope(info.context.user, number, related=True)

    name = graphene.NonNull(graphene.String)
    category = graphene.NonNull(ResourceCategory)
    description = graphene.NonNull(graphene.String)
    unit = graphene.NonNull(WorkUnit)
    subdistrict = graphene.NonNull(Subdistrict, description="the unit's subdistrict")
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

    @staticmethod
    def resolve_subdistrict(root: models.Resource, info: Info) -> models.Subdistrict:
        return root.unit.subdistrict

    @staticmethod
    def resolve_location(root: models.Resource, info: Info) -> models.Resource:
        return root

    @staticmethod
    def resolve_distance_m(root: models.Resource, info: Info, **kwargs: Any) -> int:
        point = kwargs["from_"]
        return round(distance_m(point.lat, point.lon, root.lat, root.lon))

class User(ScopedNode, graphene.ObjectType):
    class Meta:
        name = "User"
        interfaces = (relay.Node,)

    node_model = "marketplace.User"
    node_scope = staticmethod(permissions.users)

    username = graphene.NonNull(graphene.String)
    display_name = graphene.NonNull(graphene.String, description="masked (张*明) where the viewer may not "
                                                                 "see the full name")
    roles = graphene.NonNull(graphene.List(graphene.NonNull(Role)))
    community = graphene.Field(Community)
    unit = graphene.Field(WorkUnit)
    residency_verified = graphene.NonNull(graphene.Boolean)
    email = graphene.String()
    phone = graphene.String()
    birth_date = graphene.Field(Date)
    eligible_groups = graphene.NonNull(graphene.List(graphene.NonNull(TargetGroup)))

    @staticmethod
    def _full(root: models.User, info: Info) -> bool:
        return privacy.may_see_personal(viewer_of(info), root)

    @staticmethod
    def resolve_username(root: models.User, info: Info) -> str:
        return root.username if User._full(root, info) else privacy.mask_name(root.username)

    @staticmethod
    def resolve_display_name(root: models.User, info: Info) -> str:
        return privacy.display_name_for(viewer_of(info), root)

    @staticmethod
    def resolve_roles(root: models.User, info: Info) -> list[str]:
        return root.roles

    @staticmethod
    def resolve_community(root: models.User, info: Info) -> models.Community | None:
        pk = root.community_id
        if pk is None:
            return None
        loader = info.context.loader("community", lambda ids: models.Community.objects.select_related(
            "subdistrict").in_bulk(ids))
        return loader.load(pk)  # type: ignore[no-any-return]

    @staticmethod
    def resolve_unit(root: models.User, info: Info) -> models.WorkUnit | None:
        pk = root.unit_id
        if pk is None:
            return None
        loader = info.context.loader("unit", lambda ids: models.WorkUnit.objects.select_related(
            "subdistrict").in_bulk(ids))
        return loader.load(pk)  # type: ignore[no-any-return]

    @staticmethod
    def resolve_residency_verified(root: models.User, info: Info) -> bool:
        return root.residency_verified

    @staticmethod
    def resolve_email(root: models.User, info: Info) -> str | None:
        return (root.email or None) if User._full(root, info) else None

    @staticmethod
    def resolve_phone(root: models.User, info: Info) -> str | None:
        return (root.phone or None) if User._full(root, info) else None

    @staticmethod
    def resolve_birth_date(root: models.User, info: Info) -> dt.date | None:
        return root.birth_date if User._full(root, info) else None

    @staticmethod
    def resolve_eligible_groups(root: models.User, info: Info) -> list[str]:
        if not User._full(root, info):
            return []
        return root.eligible_groups(timezone.localdate(info.context.now))



ResourceConnection = make_connection(Resource)
CommunityConnection = make_connection(Community)
UserConnection = make_connection(User)


# Lists of objects outside connections return at most this many items (core.graphql.limits): the cost
# estimate counts them so and the execution guard cuts them so. Xicheng's largest subdistrict has 38
# communities; the complete, paged lists are the `communities` and `resources` connections.
COMMUNITIES_PER_SUBDISTRICT_MAX = 60
RESOURCES_PER_UNIT_MAX = 100
declare_list_bound("Subdistrict", "communities", COMMUNITIES_PER_SUBDISTRICT_MAX)
declare_list_bound("WorkUnit", "resources", RESOURCES_PER_UNIT_MAX)
