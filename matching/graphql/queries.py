"""Root query fields of the matching part: needs, allocations, matchRuns, districtStats, districtMap."""

from __future__ import annotations

import datetime as dt
from typing import Any

import graphene
from graphql import GraphQLResolveInfo as Info

from core.graphql.enums import AllocationStatus, MatchRunStatus, NeedStatus, ResourceCategory, value_of
from core.graphql.relay import connection_from, decode_int_id, global_id
from core.graphql.scalars import Date
from marketplace.graphql.types import viewer_of
from matching.services import figures

from . import permissions
from .types import AllocationConnection, DistrictMap, DistrictStats, MatchRunConnection, NeedConnection


def _by_id(qs: Any, field: str, global_id: str | None, type_name: str) -> Any:
    if global_id is None:
        return qs
    pk = decode_int_id(global_id, type_name)
    return qs.filter(**{field: pk}) if pk is not None else qs.none()


class MatchingQuery(graphene.ObjectType):
    needs = graphene.NonNull(NeedConnection, community=graphene.ID(), status=NeedStatus(),
                             category=ResourceCategory(), first=graphene.Int(), after=graphene.String(),
                             description="priority desc, then createdAt")
    allocations = graphene.NonNull(AllocationConnection, status=AllocationStatus(), unit=graphene.ID(),
                                   community=graphene.ID(), resource=graphene.ID(), first=graphene.Int(),
                                   after=graphene.String(), description="newest run first")
    match_runs = graphene.NonNull(MatchRunConnection, status=MatchRunStatus(), subdistrict=graphene.ID(),
                                  first=graphene.Int(), after=graphene.String(), description="newest first")
    district_stats = graphene.Field(DistrictStats, from_=graphene.Argument(graphene.NonNull(Date), name="from"),
                                    to=graphene.NonNull(Date), description="dates inclusive, at most 366 days")
    district_map = graphene.Field(DistrictMap, from_=graphene.Argument(graphene.NonNull(Date), name="from"),
                                  to=graphene.NonNull(Date))

    @staticmethod
    def resolve_needs(root: Any, info: Info, community: str | None = None, status: Any = None,
                      category: Any = None, first: int | None = None, after: str | None = None) -> Any:
        qs = permissions.needs(viewer_of(info))
        qs = _by_id(qs, "community_id", community, "Community")
        if status is not None:
            qs = qs.with_status(value_of(status))
        if category is not None:
            qs = qs.filter(category=value_of(category))
        qs = qs.by_priority()
        return connection_from(NeedConnection, qs, first, after, info=info, seen="Need")

    @staticmethod
    def resolve_allocations(root: Any, info: Info, status: Any = None, unit: str | None = None,
                            community: str | None = None, resource: str | None = None, first: int | None = None,
                            after: str | None = None) -> Any:
        qs = permissions.allocations(viewer_of(info))
        if status is not None:
            qs = qs.filter(status=value_of(status))
        qs = _by_id(qs, "resource__unit_id", unit, "WorkUnit")
        qs = _by_id(qs, "community_id", community, "Community")
        qs = _by_id(qs, "resource_id", resource, "Resource")
        connection = connection_from(AllocationConnection, qs.newest_run_first(), first, after, info=info,
                                     seen="Allocation")
        info.context.seen("AllocationNeed", [e.node.need_id for e in connection.edges])
        return connection

    @staticmethod
    def resolve_match_runs(root: Any, info: Info, status: Any = None, subdistrict: str | None = None,
                           first: int | None = None, after: str | None = None) -> Any:
        qs = permissions.match_runs(viewer_of(info))
        if status is not None:
            qs = qs.filter(status=value_of(status))
        qs = _by_id(qs, "scope_id", subdistrict, "Subdistrict")
        return connection_from(MatchRunConnection, qs.order_by("-created_at", "-id"), first, after, info=info,
                               seen="MatchRun")

    @staticmethod
    def resolve_district_stats(root: Any, info: Info, to: dt.date, **kwargs: Any) -> Any:
        viewer = viewer_of(info)
        if viewer is None or not viewer.is_district_staff:
            return None
        return figures.district_stats(kwargs["from_"], to)

    @staticmethod
    def resolve_district_map(root: Any, info: Info, to: dt.date, **kwargs: Any) -> Any:
        viewer = viewer_of(info)
        if viewer is None or not viewer.is_district_staff:
            return None
        data = figures.district_map(kwargs["from_"], to)
        for kind, lines in (("Resource", data["resources"]), ("Community", data["communities"])):
            for line in lines:
                line["id"] = global_id(kind, line["pk"])
        return data
