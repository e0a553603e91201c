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

from django.db.models import BigIntegerField, BooleanField, CharField, Exists, Field, FloatField, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db.prepared import Param, Prepared
from core.errors import ErrorCode
from core.graphql.errors import coded_error
from core.graphql.relay import PreparedPage
from marketplace.graphql.geo import Distance, bounding_box, point_values
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


_TEXT, _FLAG, _ID, _REAL = CharField(), BooleanField(), BigIntegerField(), FloatField()  # the terms' value types


def _terms(params: ResourceSearch) -> list[tuple[str, str, Field[Any, Any], Any]]:
    """The search's plain comparisons (no text search, no availability) as (lookup, parameter name, field,
    value), in the order they filter: applied with their values by `search_resources`, with Params by the
    prepared page."""
    terms: list[tuple[str, str, Field[Any, Any], Any]] = []
    if params.category:
        terms.append(("category", "category", _TEXT, params.category))
    if params.target_group:
        terms.append(("target_group", "target_group", _TEXT, params.target_group))
    if params.accessible is not None:
        terms.append(("accessible", "accessible", _FLAG, params.accessible))
    if params.unit_given and params.unit_id is not None:
        terms.append(("unit_id", "unit_id", _ID, params.unit_id))
    if params.near is not None and params.radius_m is not None:
        box = bounding_box(*params.near, params.radius_m)
        terms += [("lat__gte", "min_lat", _REAL, box[0]), ("lat__lte", "max_lat", _REAL, box[1]),
                  ("lon__gte", "min_lon", _REAL, box[2]), ("lon__lte", "max_lon", _REAL, box[3]),
                  ("distance__lte", "radius", _REAL, float(params.radius_m))]
    return terms


def _ordered(qs: QuerySet[Resource], terms: list[tuple[str, str, Field[Any, Any], Any]], distance: Distance | None,
             value: Any) -> QuerySet[Resource]:
    if distance is not None:
        qs = qs.annotate(distance=distance)
    for lookup, name, field, given in terms:
        qs = qs.filter(**{lookup: value(name, field, given)})
    if distance is not None:
        return qs.order_by("distance", "name", "id")  # type: ignore[misc]  # the annotation: unseen by the stubs
    return qs.order_by("name", "id")


def _listed(relations: tuple[str, ...]) -> QuerySet[Resource]:
    """The listed resources with `relations` joined (none: `select_related()` with no names would join
    every foreign key)."""
    qs = Resource.objects.listed()
    return qs.select_related(*relations) if relations else qs


def _prepared_page(shape: tuple[tuple[str, ...], bool, tuple[str, ...], int]) -> QuerySet[Resource]:
    lookups, near, relations, limit = shape
    terms = [(lookup, name, field, None) for lookup, name, field, _ in _terms_of_shape(lookups)]
    qs = _listed(relations)
    return _ordered(qs, terms, Distance(None, None) if near else None,
                    lambda name, field, _given: Param(name, field))[:limit]


def _terms_of_shape(lookups: tuple[str, ...]) -> list[tuple[str, str, Field[Any, Any], Any]]:
    every = _terms(ResourceSearch(category="-", target_group="-", accessible=True, unit_id=0, unit_given=True,
                                  near=(0.0, 0.0), radius_m=1))
    return [term for term in every if term[0] in lookups]


PAGE = Prepared(_prepared_page)


def search_page(viewer: User | None, params: ResourceSearch, now: dt.datetime,
                relations: tuple[str, ...]) -> QuerySet[Resource] | PreparedPage:
    """What `connection_from` pages: a prepared first page for the plain searches (category, group,
    accessibility, unit, near and radius — the app's map and list), the queryset otherwise."""
    validate_search(params)

    def queryset() -> QuerySet[Resource]:
        return search_resources(viewer, params, now, relations)

    if params.search or params.available_from is not None or (params.unit_given and params.unit_id is None):
        return queryset()
    terms = _terms(params)
    values = {name: given for _lookup, name, _field, given in terms}
    if params.near is not None:
        values |= point_values(*params.near)
    lookups = tuple(lookup for lookup, *_ in terms)
    return PreparedPage(lambda limit: PAGE.all((lookups, params.near is not None, relations, limit), values),
                        queryset)


def search_resources(viewer: User | None, params: ResourceSearch, now: dt.datetime | None = None,
                     relations: tuple[str, ...] = ("unit__subdistrict", "hours")) -> QuerySet[Resource]:
    """The listed resources matching `params`, in the API's order, with `relations` joined. Raises a
    coded GraphQLError (INVALID) for inconsistent arguments."""
    validate_search(params)
    now = now or timezone.now()
    qs = _listed(relations)
    if params.unit_given and params.unit_id is None:
        qs = qs.none()
    if params.search:
        text = params.search.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(address__icontains=text) | Q(unit__name__icontains=text))
    if params.available_from is not None:
        if viewer is not None and viewer.home_community_id is not None:
            groups = viewer.eligible_groups(timezone.localdate(params.available_from))
            qs = qs.filter(target_group__in=groups)
        qs = qs.filter(Exists(_free_slots(viewer, params, now)))
    distance = Distance(*params.near) if params.near is not None else None
    return _ordered(qs, _terms(params), distance, lambda _name, _field, given: given)
