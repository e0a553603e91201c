"""Who sees what of the marketplace (docs/API.md, "Who may do what"), declared once.

Each function returns the queryset the viewer may see; list resolvers and `node(id:)` both use them,
so a node lookup can never show what a list would hide.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from marketplace.models import Community, Resource, Role, Subdistrict, User, WorkUnit


def subdistricts(viewer: User | None) -> QuerySet[Subdistrict]:
    return Subdistrict.objects.all()


def communities(viewer: User | None) -> QuerySet[Community]:
    return Community.objects.select_related("subdistrict")


def units(viewer: User | None) -> QuerySet[WorkUnit]:
    return WorkUnit.objects.select_related("subdistrict")


def resources(viewer: User | None) -> QuerySet[Resource]:
    """Listed resources for everyone; archived ones also for their unit's people and district staff."""
    qs = Resource.objects.select_related("unit__subdistrict", "hours")
    if viewer is None:
        return qs.filter(archived_at__isnull=True)
    if viewer.is_district_staff:
        return qs
    unit_id = viewer.unit_id
    return qs.filter(Q(archived_at__isnull=True) | Q(unit_id=unit_id)) if unit_id else qs.listed()


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
