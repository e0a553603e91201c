"""GraphQL types of the matching part: Need, UnservedReason, MatchRun, StageTiming, Allocation, and the
district figures (DistrictStats, DistrictMap and their lines).

Objects come from `matching.models` (written by matching.services); visibility is declared in
matching/graphql/permissions.py and applied in `get_node` and every list.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphene import relay
from graphql import GraphQLResolveInfo as Info

from core import enums
from core.graphql.enums import (
    AllocationStatus,
    MatchRunStatus,
    NeedStatus,
    ResourceCategory,
    TargetGroup,
    UnservedReasonCode,
    WeekdayPattern,
)
from core.graphql.limits import declare_list_bound
from core.graphql.relay import ScopedNode, connection_from, make_connection
from core.graphql.scalars import Date, DateTime, Time
from marketplace.graphql.queries import SUBDISTRICTS_MAX
from marketplace.graphql.types import Community, GeoPoint, Resource, Subdistrict, viewer_of
from matching.models import Need as NeedRow

from . import permissions
from .data import need_allocations, need_by_id, need_served, need_supporters, need_unserved_reasons, run_stages


class UnservedReason(graphene.ObjectType):
    code = graphene.NonNull(UnservedReasonCode)
    quantity = graphene.NonNull(graphene.Int)
    message = graphene.NonNull(graphene.String)
    blocking_need = graphene.Field(lambda: Need)


class Need(ScopedNode, graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    node_model = "matching.Need"
    node_scope = staticmethod(permissions.needs)

    community = graphene.NonNull(Community)
    category = graphene.NonNull(ResourceCategory)
    title = graphene.NonNull(graphene.String)
    quantity = graphene.NonNull(graphene.Int)
    weekday_pattern = graphene.NonNull(WeekdayPattern)
    weekdays = graphene.NonNull(graphene.List(graphene.NonNull(graphene.Int)))
    start_time = graphene.NonNull(Time)
    end_time = graphene.NonNull(Time)
    ends_next_day = graphene.NonNull(graphene.Boolean)
    starts_on = graphene.NonNull(Date)
    ends_on = graphene.NonNull(Date)
    target_group = graphene.NonNull(TargetGroup)
    max_distance_m = graphene.NonNull(graphene.Int)
    priority = graphene.NonNull(graphene.Int)
    status = graphene.NonNull(NeedStatus)
    served_quantity = graphene.NonNull(graphene.Int)
    supporters = graphene.NonNull(graphene.Int)
    viewer_supports = graphene.NonNull(graphene.Boolean)
    source_ref = graphene.String()
    unserved_reason = graphene.String()
    unserved_reasons = graphene.NonNull(graphene.List(graphene.NonNull(UnservedReason)))
    allocations = graphene.NonNull(graphene.List(graphene.NonNull(lambda: Allocation)))
    created_at = graphene.NonNull(DateTime)

    @staticmethod
    def resolve_served_quantity(root: Any, info: Info) -> int:
        return need_served(info, root)

    @staticmethod
    def resolve_supporters(root: Any, info: Info) -> int:
        return need_supporters(info, root)[0]

    @staticmethod
    def resolve_viewer_supports(root: Any, info: Info) -> bool:
        return need_supporters(info, root)[1]

    @staticmethod
    def resolve_source_ref(root: Any, info: Info) -> str | None:
        return getattr(root, "source_ref", "") or None

    @staticmethod
    def resolve_unserved_reasons(root: Any, info: Info) -> list[Any]:
        return need_unserved_reasons(info, root)

    @staticmethod
    def resolve_unserved_reason(root: Any, info: Info) -> str | None:
        reasons = need_unserved_reasons(info, root)
        return "; ".join(str(r["message"]) for r in reasons) or None

    @staticmethod
    def resolve_allocations(root: Any, info: Info) -> list[Any]:
        return need_allocations(info, root)


class StageTiming(graphene.ObjectType):
    name = graphene.NonNull(graphene.String)
    seconds = graphene.NonNull(graphene.Float)


class MatchRun(ScopedNode, graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    node_model = "matching.MatchRun"
    node_scope = staticmethod(permissions.match_runs)
    restricted = True

    @classmethod
    def may_see(cls, viewer: Any, obj: Any) -> bool:
        return permissions.may_see_match_runs(viewer)

    status = graphene.NonNull(MatchRunStatus)
    progress = graphene.NonNull(graphene.Float)
    scope = graphene.Field(Subdistrict)
    created_at = graphene.NonNull(DateTime)
    started_at = graphene.Field(DateTime)
    finished_at = graphene.Field(DateTime)
    demand_quantity = graphene.NonNull(graphene.Int)
    served_quantity = graphene.NonNull(graphene.Int)
    bound = graphene.Float()
    gap = graphene.Float()
    starved_communities = graphene.Int()
    min_community_share = graphene.Float()
    p10_community_share = graphene.Float()
    mean_distance_m = graphene.Float()
    p90_distance_m = graphene.Float()
    churn = graphene.Float()
    stages = graphene.NonNull(graphene.List(graphene.NonNull(StageTiming)))
    solver_budget = graphene.Float(
        description="CP-SAT deterministic time allowed, summed over the parts (work done, not seconds)")
    solver_time_used = graphene.Float(description="CP-SAT deterministic time spent, summed over the parts")
    reproducible = graphene.Boolean(
        description="false when a wall-clock safety limit stopped the solver: the same input may then give "
                    "other proposals")
    error = graphene.String()
    horizon_start = graphene.Field(Date, description="the first day the run planned for")
    horizon_days = graphene.Int(description="how many days it planned for")
    allocations = graphene.NonNull("matching.graphql.types.AllocationConnection", first=graphene.Int(),
                                   after=graphene.String(), description="ordered by community, then need")

    @staticmethod
    def resolve_stages(root: Any, info: Info) -> list[dict[str, Any]]:
        return run_stages(root)

    @staticmethod
    def resolve_error(root: Any, info: Info) -> str | None:
        return getattr(root, "error", "") or None

    @staticmethod
    def resolve_allocations(root: Any, info: Info, first: int | None = None, after: str | None = None) -> Any:
        qs = permissions.allocations(viewer_of(info)).filter(match_run_id=root.pk).by_community_then_need()
        connection = connection_from(AllocationConnection, qs, first, after, info=info, seen="Allocation")
        info.context.seen("AllocationNeed", [e.node.need_id for e in connection.edges])
        return connection


class Allocation(ScopedNode, graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    node_model = "matching.Allocation"
    node_scope = staticmethod(permissions.allocations)

    need = graphene.NonNull(Need)
    community = graphene.NonNull(Community)
    resource = graphene.NonNull(Resource)
    match_run = graphene.Field(MatchRun, description="S only; null for everyone else (as node(id:) of a MatchRun)")
    quantity = graphene.NonNull(graphene.Int)
    distance_m = graphene.NonNull(graphene.Int)
    weekdays = graphene.NonNull(graphene.List(graphene.NonNull(graphene.Int)))
    start_time = graphene.NonNull(Time)
    end_time = graphene.NonNull(Time)
    ends_next_day = graphene.NonNull(graphene.Boolean)
    starts_on = graphene.NonNull(Date)
    ends_on = graphene.NonNull(Date)
    status = graphene.NonNull(AllocationStatus)
    responded_at = graphene.Field(DateTime)
    decline_reason = graphene.String()

    @staticmethod
    def resolve_distance_m(root: Any, info: Info) -> int:
        return round(root.distance_m)

    @staticmethod
    def resolve_need(root: Any, info: Info) -> Any:
        need = info.context.object_of("Need", root.need_id) or need_by_id(info, root.need_id)
        if need is None:  # an allocation to the viewer's unit shows its need (docs/API.md: U sees those needs)
            need = NeedRow.objects.with_served().select_related("community__subdistrict").get(pk=root.need_id)
        return need

    @staticmethod
    def resolve_decline_reason(root: Any, info: Info) -> str | None:
        return getattr(root, "decline_reason", "") or None


class SubdistrictStats(graphene.ObjectType):
    subdistrict = graphene.NonNull(Subdistrict)
    served_rate = graphene.NonNull(graphene.Float)
    utilisation = graphene.NonNull(graphene.Float)
    bookings = graphene.NonNull(graphene.Int)
    no_shows = graphene.NonNull(graphene.Int)


class CategoryStats(graphene.ObjectType):
    category = graphene.NonNull(ResourceCategory)
    served_rate = graphene.NonNull(graphene.Float)
    utilisation = graphene.NonNull(graphene.Float)
    bookings = graphene.NonNull(graphene.Int)
    no_shows = graphene.NonNull(graphene.Int)


class DistrictStats(graphene.ObjectType):
    needs_posted = graphene.NonNull(graphene.Int)
    demand_quantity = graphene.NonNull(graphene.Int)
    served_quantity = graphene.NonNull(graphene.Int)
    served_rate = graphene.NonNull(graphene.Float)
    bookings = graphene.NonNull(graphene.Int)
    no_shows = graphene.NonNull(graphene.Int)
    utilisation = graphene.NonNull(graphene.Float)
    proposed_quantity = graphene.NonNull(
        graphene.Int, description="proposed by a match run and waiting for the unit (the matcher's units)")
    booked_quantity = graphene.NonNull(graphene.Int, description="places booked in the period (all bookings "
                                                                 "that take capacity)")
    used_quantity = graphene.NonNull(graphene.Int, description="places checked in in the period")
    by_subdistrict = graphene.NonNull(graphene.List(graphene.NonNull(SubdistrictStats)))
    by_category = graphene.NonNull(graphene.List(graphene.NonNull(CategoryStats)))


class MapResource(graphene.ObjectType):
    id = graphene.NonNull(graphene.ID)
    category = graphene.NonNull(ResourceCategory)
    location = graphene.NonNull(GeoPoint)
    utilisation = graphene.NonNull(graphene.Float)


class MapCommunityState(graphene.Enum):
    """How a community stands: NO_NEED (nothing asked in the period), SERVED (at least 80 % accepted),
    PROPOSED (proposals wait for units), PARTLY (some accepted, nothing waiting), WAITING (nothing yet)."""

    NO_NEED = "NO_NEED"
    SERVED = "SERVED"
    PARTLY = "PARTLY"
    PROPOSED = "PROPOSED"
    WAITING = "WAITING"


class MapCommunity(graphene.ObjectType):
    id = graphene.NonNull(graphene.ID)
    location = graphene.NonNull(GeoPoint)
    served_rate = graphene.NonNull(graphene.Float)
    name = graphene.NonNull(graphene.String)
    demand_quantity = graphene.NonNull(graphene.Int)
    proposed_quantity = graphene.NonNull(graphene.Int)
    served_quantity = graphene.NonNull(graphene.Int)
    state = graphene.NonNull(MapCommunityState)


class DistrictMap(graphene.ObjectType):
    resources = graphene.NonNull(graphene.List(graphene.NonNull(MapResource)))
    communities = graphene.NonNull(graphene.List(graphene.NonNull(MapCommunity)))


NeedConnection = make_connection(Need)
AllocationConnection = make_connection(Allocation)
MatchRunConnection = make_connection(MatchRun)


# The bounds of the lists above (core.graphql.limits). A need's allocations are its newest 50 (the
# `allocations(need:)`-style history is the `allocations` connection); the map holds every listed
# resource and community of the district (Xicheng: 1,123 resources and 263 communities in the demo).
NEED_ALLOCATIONS_MAX = 50
UNSERVED_REASONS_MAX = 20
STAGES_MAX = 20
MAP_RESOURCES_MAX = 2_000
MAP_COMMUNITIES_MAX = 500
declare_list_bound("Need", "unservedReasons", UNSERVED_REASONS_MAX)
declare_list_bound("Need", "allocations", NEED_ALLOCATIONS_MAX)
declare_list_bound("MatchRun", "stages", STAGES_MAX)
declare_list_bound("DistrictStats", "bySubdistrict", SUBDISTRICTS_MAX)
declare_list_bound("DistrictStats", "byCategory", len(enums.ResourceCategory))
declare_list_bound("DistrictMap", "resources", MAP_RESOURCES_MAX)
declare_list_bound("DistrictMap", "communities", MAP_COMMUNITIES_MAX)
