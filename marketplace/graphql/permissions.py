"""Who sees what of the marketplace (docs/API.md, "Who may do what"), declared once.

Each function returns the queryset the viewer may see; list resolvers and `node(id:)` both use them,
so a node lookup can never show what a list would hide.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Q, QuerySet

from core.db.prepared import Param, Prepared
from marketplace.models import Community, Resource, Role, Subdistrict, User, WorkUnit


def subdistricts(viewer: User | None) -> QuerySet[Subdistrict]:
    return Subdistrict.objects.all()


def communities(viewer: User | None) -> QuerySet[Community]:
    return Community.objects.select_related("subdistrict")


def units(viewer: User | None) -> QuerySet[WorkUnit]:
    return WorkUnit.objects.select_related("subdistrict")


def resources(viewer: User | None) -> QuerySet[Resource]:
    """Listed resources for everyone; archived ones also for their unit's people and district staff."""
    kind = _resource_scope_kind(viewer)
    return _resource_scope(kind, viewer.unit_id if kind == "unit" else None).select_related(  # type: ignore[union-attr]
        "unit__subdistrict", "hours")


def resource_in_scope(viewer: User | None, pk: int, *, related: bool = False) -> Resource | None:
    """`resources(viewer)`'s resource `pk`, or None: a prepared statement, compiled once per kind of viewer
    (core/db/prepared.py) — every mutation on a resource reads it, and every `node(id:)` of one. Its own
    row only, or with `related` its unit, subdistrict and hours as `resources(viewer)` joins them."""
    kind = _resource_scope_kind(viewer)
    unit = viewer.unit_id if kind == "unit" else None  # type: ignore[union-attr]
    return RESOURCE_IN_SCOPE.first((kind, related), {"pk": pk, "unit": unit})


def _resource_scope_kind(viewer: User | None) -> str:
    if viewer is None:
        return "anyone"
    if viewer.is_district_staff:
        return "district"
    return "unit" if viewer.unit_id else "anyone"


def _resource_scope(kind: str, unit_id: Any) -> QuerySet[Resource]:
    qs = Resource.objects.all()
    if kind == "district":
        return qs
    if kind == "unit":
        return qs.filter(Q(archived_at__isnull=True) | Q(unit_id=unit_id))
    return qs.listed()


RESOURCE_IN_SCOPE = Prepared(lambda shape: _resource_scope(shape[0], Param("unit", BigIntegerField())).select_related(
    *(("unit__subdistrict", "hours") if shape[1] else ())).filter(pk=Param("pk", BigIntegerField())).order_by("pk")[:1])


def users(viewer: User | None) -> QuerySet[User]:
    """The viewer themself; a community worker's residents; district staff everyone."""
    qs = User.objects.prefetch_related("memberships")
    if viewer is None:
        return qs.none()
    if viewer.is_district_staff:
        return qs
    worker_community = viewer.worker_community_id
    if worker_community is None:
        return qs.filter(pk=viewer.pk)
    return qs.filter(Q(pk=viewer.pk) | Q(memberships__role=Role.RESIDENT,
                                         memberships__community_id=worker_community)).distinct()


def residents_of(community_id: int) -> QuerySet[User]:
    return (User.objects.filter(memberships__role=Role.RESIDENT, memberships__community_id=community_id)
            .prefetch_related("memberships"))


def may_see_unit_figures(viewer: User | None, unit_id: int) -> bool:
    """Utilisation and contribution: the unit's admins and district staff."""
    return viewer is not None and (viewer.is_district_staff or viewer.administers_unit(unit_id))


def may_see_community_figures(viewer: User | None, community_id: int) -> bool:
    """servedRate: the community's workers and district staff."""
    return viewer is not None and (viewer.is_district_staff or viewer.worker_community_id == community_id)
