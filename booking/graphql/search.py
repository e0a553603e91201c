"""`resources(...)` search, entirely in SQL: filters, distance and free capacity for the asking user.

- `near` + `radiusM`: a bounding-box prefilter on (lat, lon), then the great-circle distance in SQL,
  ordered nearest first (then name, id); without `near`, by name, id.
- `availableFrom`/`availableTo`/`minRemaining`: only resources with a stored slot starting inside the
  period (and in the future) that is open, of a session the viewer may attend, and has at least
  `minRemaining` (default 1) free for the viewer: open capacity plus their community's quota when
  they are eligible for the resource. One EXISTS subquery; no Python loop over slots. Slots beyond the
  stored horizon (8 weeks) are not bookable yet in practice (booking opens at most 90 days before and
  by default 14), so the stored slots are what counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ErrorCode
from core.graphql.errors import coded_error
from marketplace.graphql.geo import bounding_box, distance_expression
from marketplace.models import Resource, User

from ..models import Slot

RADIUS_MAX_M = 100_000
SEARCH_MAX = 100
PERIOD_MAX = dt.timedelta(days=92)


@dataclass(frozen=True)
class ResourceSearch:
    category: str | None = None
    near: tuple[float, float] | None = None
    radius_m: int | None = None
    available_from: dt.datetime | None = None
    available_to: dt.datetime | None = None
    min_remaining: int | None = None
    target_group: str | None = None
    accessible: bool | None = None
    unit_id: int | None = None
    unit_given: bool = False
    search: str | None = None


def _invalid(message: Any) -> Exception:
    return coded_error(ErrorCode.INVALID, message)


def validate_search(params: ResourceSearch) -> None:
    if params.radius_m is not None and params.near is None:
        raise _invalid(_("`radiusM` needs `near`."))
    if params.radius_m is not None and not 1 <= params.radius_m <= RADIUS_MAX_M:
        raise _invalid(_("`radiusM` must be between 1 and 100000."))
    if params.near is not None:
        lat, lon = params.near
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _invalid(_("`near` is not a valid coordinate."))
    if (params.available_from is None) != (params.available_to is None):
        raise _invalid(_("Give both `availableFrom` and `availableTo`."))
    if params.available_from is not None and params.available_to is not None:
        span = params.available_to - params.available_from
        if span <= dt.timedelta(0) or span > PERIOD_MAX:
            raise _invalid(_("The period must end after it starts and span at most 92 days."))
    if params.min_remaining is not None:
        if params.available_from is None:
            raise _invalid(_("`minRemaining` needs `availableFrom` and `availableTo`."))
        if not 1 <= params.min_remaining <= 10_000:
            raise _invalid(_("`minRemaining` must be between 1 and 10000."))
    if params.search is not None and len(params.search) > SEARCH_MAX:
        raise _invalid(_("The search text is too long (at most 100 characters)."))


def _free_slots(viewer: User | None, params: ResourceSearch, now: dt.datetime) -> QuerySet[Any]:
    assert params.available_from is not None and params.available_to is not None
    start = max(params.available_from, now)
    sexes = ["ANY"] + ([viewer.sex] if viewer is not None and viewer.sex else [])
    community_id = viewer.home_community_id if viewer is not None else None
    slots = Slot.objects.open().filter(resource_id=OuterRef("pk"), start__gte=start,
                                                      start__lt=params.available_to, sex__in=sexes)
    free: QuerySet[Any] = slots.with_remaining_for(community_id)
    return free.filter(remaining__gte=params.min_remaining or 1)


def search_resources(viewer: User | None, params: ResourceSearch, now: dt.datetime | None = None,
                     relations: tuple[str, ...] = ("unit__subdistrict", "hours")) -> QuerySet[Resource]:
    """The listed resources matching `params`, in the API's order, with `relations` joined. Raises a
    coded GraphQLError (INVALID) for inconsistent arguments."""
    validate_search(params)
    now = now or timezone.now()
    qs = Resource.objects.listed().select_related(*relations)
    if params.category:
        qs = qs.filter(category=params.category)
    if params.target_group:
        qs = qs.filter(target_group=params.target_group)
    if params.accessible is not None:
        qs = qs.filter(accessible=params.accessible)
    if params.unit_given:
        qs = qs.filter(unit_id=params.unit_id) if params.unit_id is not None else qs.none()
    if params.search:
        text = params.search.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(address__icontains=text) | Q(unit__name__icontains=text))
    if params.available_from is not None:
        if viewer is not None and viewer.home_community_id is not None:
            groups = viewer.eligible_groups(timezone.localdate(params.available_from))
            qs = qs.filter(target_group__in=groups)
        qs = qs.filter(Exists(_free_slots(viewer, params, now)))
    if params.near is None:
        return qs.order_by("name", "id")
    lat, lon = params.near
    qs = qs.annotate(distance=distance_expression(lat, lon))
    if params.radius_m is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, params.radius_m)
        qs = qs.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon,
                       distance__lte=params.radius_m)
    return qs.order_by("distance", "name", "id")
