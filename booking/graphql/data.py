"""Adapters from the booking services to GraphQL fields, batched per request.

Every per-object read goes through a dataloader keyed by the object's primary key, batching the
siblings the list resolvers registered (config/graphql/context.py), so a page of resources costs
one query for its slots and one for its opening hours.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import BigIntegerField, DateTimeField
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _

from booking.models import OpeningWindow, QuotaRule, Slot
from booking.services import figures
from booking.services import quota as quota_service
from booking.services.calendar import booking_calendar_url as url_of
from booking.services.calendar import feed_url
from booking.services.slots import SlotView, occurrences, slot_capacity, slot_key, specs_of
from core.clock import local_date
from core.db.prepared import Param, Prepared
from core.errors import ErrorCode
from core.graphql.errors import coded_error
from marketplace.models import BookingMode, Resource, User, WorkUnit

SLOT_RANGE_MAX = dt.timedelta(days=31)


def check_period(start: dt.datetime, end: dt.datetime, longest: dt.timedelta = SLOT_RANGE_MAX) -> None:
    if end <= start or end - start > longest:
        raise coded_error(ErrorCode.INVALID, _("The period must end after it starts and span at most 31 days."))


def _windows(info: Any, resource: Resource) -> list[Any]:
    """The resource's OpeningWindow rows, one query for every resource seen in the request."""
    def batch(ids: list[int]) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = defaultdict(list)
        for w in OpeningWindow.objects.filter(resource_id__in=ids).order_by("resource_id", "position", "id"):
            out[w.resource_id].append(w)
        return out

    loader = info.context.loader("resource.windows", batch, default=[])
    return loader.load(resource.pk, info.context.siblings("Resource"))  # type: ignore[no-any-return]


def opening_hours(info: Any, resource: Resource) -> list[dict[str, Any]]:
    out = []
    for w in _windows(info, resource):
        capacity = w.capacity if w.capacity is not None else resource.capacity
        if resource.booking_mode == BookingMode.EXCLUSIVE:
            capacity = 1
        out.append({"weekdays": list(w.weekdays), "start_time": w.start_time, "end_time": w.end_time,
                    "ends_next_day": w.ends_next_day, "valid_from": w.valid_from, "valid_to": w.valid_to,
                    "capacity": capacity, "sex": w.sex})
    return out


def _horizon(resource: Resource) -> dt.date | None:
    try:
        return resource.hours.materialised_until  # type: ignore[attr-defined,no-any-return]
    except ObjectDoesNotExist:
        return None


# The stored slots of a page's resources in a period, compiled once per number of resources (a page
# holds at most 100). `resource__id__in`, not `resource_id__in`: the foreign key's lookup takes values only.
SLOT_ROWS = Prepared(lambda count: Slot.objects.filter(
    resource__id__in=[Param(f"r{i}", BigIntegerField()) for i in range(count)],
    start__gte=Param("start", DateTimeField()), start__lt=Param("end", DateTimeField())).order_by().values_list(
    "pk", "resource_id", "start", "end", "capacity", "booked", "held", "closed", "sex"))


def resource_slots(info: Any, resource: Resource, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """The slots of `resource` starting in [start, end), ordered by start: stored ones, and beyond the
    resource's stored horizon virtual ones computed from its windows with its quota rules' amounts as
    `held` — the same result as booking.services.slots.slots_between (a test holds them equal), but
    batched over every resource of the page and reusing its rows, windows and horizon."""
    check_period(start, end)
    known: dict[int, Resource] = info.context.objects.setdefault("Resource", {})
    known.setdefault(resource.pk, resource)

    def batch(ids: list[int]) -> dict[int, list[Any]]:
        resources = {rid: known[rid] for rid in ids if rid in known}
        missing = [rid for rid in ids if rid not in resources]
        if missing:
            resources.update(Resource.objects.select_related("hours").in_bulk(missing))
        out: dict[int, list[Any]] = {i: [] for i in ids}
        # plain rows, no model instances: a week of 20 canteens is hundreds of slots
        stored = [SlotView(key=slot_key(rid, st), pk=pk, resource_id=rid, start=st, end=en, capacity=cap, booked=bk,
                           held=hd, closed=cl, sex=sx)
                  for pk, rid, st, en, cap, bk, hd, cl, sx in SLOT_ROWS.rows(
                      len(ids), {"start": start, "end": end} | {f"r{i}": rid for i, rid in enumerate(ids)})]
        taken = {(s.resource_id, s.start) for s in stored}
        for view in stored:
            out[view.resource_id].append(view)
        rules: dict[int, list[Any]] = defaultdict(list)
        needs_virtual = [rid for rid, r in resources.items() if (_horizon(r) or dt.date.min) < local_date(end)]
        if needs_virtual:
            for rule in QuotaRule.objects.filter(resource_id__in=needs_virtual, removed_at__isnull=True,
                                                 ends_on__gte=local_date(start)):
                rules[rule.resource_id].append(rule)
        for rid in needs_virtual:
            r = resources[rid]
            windows = specs_of(_windows(info, r))
            if not windows:
                continue
            first_day = local_date(start)
            until = _horizon(r)
            if until is not None:
                first_day = max(first_day, until + dt.timedelta(days=1))
            for occ in occurrences(r, windows, first_day, local_date(end)):
                if not start <= occ.start < end or (rid, occ.start) in taken:
                    continue
                capacity = slot_capacity(r, occ.window)
                held = min(capacity, sum(q.amount for q in rules[rid] if quota_service.rule_matches(q, occ.start)))
                out[rid].append(SlotView(key=slot_key(rid, occ.start), pk=None, resource_id=rid, start=occ.start,
                                         end=occ.end, capacity=capacity, booked=0, held=held, closed=False,
                                         sex=occ.window.sex))
        for views in out.values():
            views.sort(key=lambda v: v.start)
        info.context.seen("Slot", [v.pk for views in out.values() for v in views if v.pk is not None])
        return out

    loader = info.context.loader(("resource.slots", start, end), batch, default=[])
    return loader.load(resource.pk, info.context.siblings("Resource"))  # type: ignore[no-any-return]


def calendar_feed_url(info: Any, user: User) -> str | None:
    try:
        path = feed_url(user)
    except NoReverseMatch:
        return None
    return str(info.context.request.build_absolute_uri(path))


def booking_calendar_url(info: Any, booking: Any) -> str | None:
    try:
        path = url_of(booking)
    except NoReverseMatch:
        return None
    return str(info.context.request.build_absolute_uri(path))


def unit_contribution(info: Any, unit: WorkUnit, first_day: dt.date, last_day: dt.date) -> list[Any]:
    return figures.contribution(unit, first_day, last_day)


def resource_utilisation(info: Any, resource: Resource, first_day: dt.date, last_day: dt.date) -> list[Any]:
    """Weekly points, batched over the resources on the page."""
    figures.check_days(first_day, last_day)
    loader = info.context.loader(("resource.utilisation", first_day, last_day),
                                 lambda ids: figures.utilisation_by_week(ids, first_day, last_day), default=[])
    return loader.load(resource.pk, info.context.siblings("Resource"))  # type: ignore[no-any-return]
