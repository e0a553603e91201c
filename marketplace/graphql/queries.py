"""Root query fields of the marketplace: node, me, subdistricts, communities, resources, communityResidents."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Q
from graphene import relay
from graphql import GraphQLResolveInfo as Info
from graphql_relay import from_global_id

from core.graphql.relay import connection_from, decode_int_id
from core.graphql.scalars import DateTime
from marketplace.models import Community, Resource, Subdistrict, User

from . import permissions
from .audit import audit_log_field, my_data_field
from core.graphql.enums import ResourceCategory, TargetGroup, value_of
from .search import ResourceSearch, search_resources
from .types import (
    CommunityConnection,
    GeoPointInput,
    ResourceConnection,
    Subdistrict_,
    User_,
    UserConnection,
    viewer_of,
)

NODE_TYPES = ("Subdistrict", "Community", "WorkUnit", "Resource", "User", "Slot", "Booking", "StandingBooking",
              "Notification", "Need", "MatchRun", "Allocation", "AuditEntry")


def resolve_node(root: Any, info: Info, id: str) -> Any:
    """The object of a global ID if the viewer may see it; null otherwise (never an error)."""
    if not isinstance(id, str) or len(id) > 200:
        return None
    try:
        type_name, pk = from_global_id(id)
    except Exception:  # noqa: BLE001 - any undecodable ID is simply "not found"
        return None
    if type_name not in NODE_TYPES or not pk:
        return None
    graphql_type = info.schema.get_type(type_name)
    graphene_type = getattr(graphql_type, "graphene_type", None)
    if graphene_type is None:
        return None
    return graphene_type.get_node(info, pk)


class MarketplaceQuery(graphene.ObjectType):
    node = graphene.Field(relay.Node, id=graphene.NonNull(graphene.ID), resolver=resolve_node)
    me = graphene.Field(User_)
    subdistricts = graphene.NonNull(graphene.List(graphene.NonNull(Subdistrict_)), description="ordered by name")
    communities = graphene.NonNull(CommunityConnection, subdistrict=graphene.ID(), search=graphene.String(),
                                   first=graphene.Int(), after=graphene.String(),
                                   description="by subdistrict, then name")
    resources = graphene.NonNull(
        ResourceConnection,
        category=ResourceCategory(), near=GeoPointInput(), radius_m=graphene.Int(),
        available_from=graphene.Argument(DateTime), available_to=graphene.Argument(DateTime),
        min_remaining=graphene.Int(), target_group=TargetGroup(), accessible=graphene.Boolean(),
        unit=graphene.ID(), search=graphene.String(), first=graphene.Int(), after=graphene.String(),
        description="with `near`: nearest first; otherwise by name",
    )
    community_residents = graphene.NonNull(UserConnection, search=graphene.String(), first=graphene.Int(),
                                           after=graphene.String(),
                                           description="W: residents of their community, by name")
    audit_log = audit_log_field()
    my_data = my_data_field()

    @staticmethod
    def resolve_me(root: Any, info: Info) -> User | None:
        return viewer_of(info)

    @staticmethod
    def resolve_subdistricts(root: Any, info: Info) -> list[Subdistrict]:
        items = list(permissions.subdistricts(viewer_of(info)).order_by("name", "id"))
        info.context.seen("Subdistrict", [s.pk for s in items])
        return items

    @staticmethod
    def resolve_communities(root: Any, info: Info, subdistrict: str | None = None, search: str | None = None,
                            first: int | None = None, after: str | None = None) -> Any:
        qs = permissions.communities(viewer_of(info))
        if subdistrict is not None:
            pk = decode_int_id(subdistrict, "Subdistrict")
            qs = qs.filter(subdistrict_id=pk) if pk is not None else qs.none()
        if search:
            qs = qs.filter(name__icontains=search[:100])
        qs = qs.order_by("subdistrict__name", "name", "id")
        return connection_from(CommunityConnection, qs, first, after, info=info, seen="Community")

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
        qs = search_resources(viewer_of(info), params, now=info.context.now)
        connection = connection_from(ResourceConnection, qs, first, after, info=info, seen="Resource")
        info.context.seen("WorkUnit", [e.node.unit_id for e in connection.edges])
        return connection

    @staticmethod
    def resolve_community_residents(root: Any, info: Info, search: str | None = None, first: int | None = None,
                                    after: str | None = None) -> Any:
        viewer = viewer_of(info)
        community_id = viewer.worker_community_id if viewer is not None else None
        qs = permissions.residents_of(community_id) if community_id is not None else User.objects.none()
        if search:
            text = search[:100]
            qs = qs.filter(Q(full_name__icontains=text) | Q(username__icontains=text) | Q(phone__icontains=text))
        qs = qs.order_by("full_name", "username", "id")
        return connection_from(UserConnection, qs, first, after, info=info, seen="User")


def community_pk(global_id: str | None) -> int | None:
    return decode_int_id(global_id, "Community")


def resource_of(info: Info, global_id: str | None) -> Resource | None:
    pk = decode_int_id(global_id, "Resource")
    if pk is None:
        return None
    return permissions.resources(viewer_of(info)).filter(pk=pk).first()  # type: ignore[no-any-return]


__all__ = ["Community", "MarketplaceQuery", "community_pk", "resolve_node", "resource_of"]
