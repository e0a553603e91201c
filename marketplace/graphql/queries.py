"""Root query fields of the marketplace: node, me, subdistricts, communities, communityResidents, auditLog, myData,
districtFigures."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Count, Q
from graphql import GraphQLResolveInfo as Info

from core.graphql.limits import declare_list_bound
from core.graphql.relay import connection_from, decode_int_id, node_field
from marketplace import models

from . import permissions
from .audit import audit_log_field, my_data_field
from .types import (
    CommunityConnection,
    Subdistrict,
    User,
    UserConnection,
    viewer_of,
)


class DistrictFigures(graphene.ObjectType):
    """The district's headline figures, readable by anyone (counts only, no personal data)."""

    subdistricts = graphene.NonNull(graphene.Int)
    communities = graphene.NonNull(graphene.Int)
    units = graphene.NonNull(graphene.Int, description="work units with at least one listed resource")
    resources = graphene.NonNull(graphene.Int, description="listed (not archived) resources")
    canteens = graphene.NonNull(graphene.Int)
    parking_lots = graphene.NonNull(graphene.Int)
    halls = graphene.NonNull(graphene.Int)
    bathhouses = graphene.NonNull(graphene.Int)


class MarketplaceQuery(graphene.ObjectType):
    node = node_field()
    me = graphene.Field(User)
    subdistricts = graphene.NonNull(graphene.List(graphene.NonNull(Subdistrict)), description="ordered by name")
    communities = graphene.NonNull(CommunityConnection, subdistrict=graphene.ID(), search=graphene.String(),
                                   first=graphene.Int(), after=graphene.String(),
                                   description="by subdistrict, then name")
    community_residents = graphene.NonNull(UserConnection, search=graphene.String(), first=graphene.Int(),
                                           after=graphene.String(),
                                           description="W: residents of their community, by name")
    audit_log = audit_log_field()
    my_data = my_data_field()
    district_figures = graphene.NonNull(DistrictFigures, description="anyone, signed in or not")

    @staticmethod
    def resolve_me(root: Any, info: Info) -> models.User | None:
        return viewer_of(info)

    @staticmethod
    def resolve_district_figures(root: Any, info: Info) -> DistrictFigures:
        listed = models.Resource.objects.listed()
        by_category = dict(listed.values_list("category").annotate(n=Count("id")))
        return DistrictFigures(
            subdistricts=models.Subdistrict.objects.count(), communities=models.Community.objects.count(),
            units=listed.values("unit_id").distinct().count(), resources=sum(by_category.values()),
            canteens=by_category.get("CANTEEN", 0), parking_lots=by_category.get("PARKING", 0),
            halls=by_category.get("HALL", 0), bathhouses=by_category.get("BATHHOUSE", 0))

    @staticmethod
    def resolve_subdistricts(root: Any, info: Info) -> list[models.Subdistrict]:
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
    def resolve_community_residents(root: Any, info: Info, search: str | None = None, first: int | None = None,
                                    after: str | None = None) -> Any:
        viewer = viewer_of(info)
        community_id = viewer.worker_community_id if viewer is not None else None
        qs = permissions.residents_of(community_id) if community_id is not None else models.User.objects.none()
        if search:
            text = search[:100]
            qs = qs.filter(Q(full_name__icontains=text) | Q(username__icontains=text) | Q(phone__icontains=text))
        qs = qs.order_by("full_name", "username", "id")
        return connection_from(UserConnection, qs, first, after, info=info, seen="User")


def community_pk(global_id: str | None) -> int | None:
    return decode_int_id(global_id, "Community")


def resource_of(info: Info, global_id: str | None) -> models.Resource | None:
    pk = decode_int_id(global_id, "Resource")
    if pk is None:
        return None
    return permissions.resources(viewer_of(info)).filter(pk=pk).first()  # type: ignore[no-any-return]


__all__ = ["MarketplaceQuery", "community_pk", "resource_of"]


SUBDISTRICTS_MAX = 50  # a district has a few dozen at most (Xicheng 15; a demo beyond scale 3 lists its first 50)
declare_list_bound("Query", "subdistricts", SUBDISTRICTS_MAX)
