"""Slots: materialisation over the rolling horizon, stable keys, and batched reads.

- `slot_key(resource_id, start)` is stable for (resource, start) whether or not the slot is stored,
  so the API's global Slot ID does not change when a virtual slot becomes a row.
- `slots_between(resource_ids, start, end)` returns stored slots, and beyond each resource's
  materialised horizon computes virtual ones in the same shape (quota rules applied), with a fixed
  number of queries whatever the number of resources.
- `ensure_slot()` stores the slot a booking needs beyond the horizon (NOT_FOUND when `start` is no
  occurrence of the opening hours).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, DateTimeField
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from booking.models import OpeningWindow, QuotaRule, ResourceHours, Slot
from core.clock import current, local_date
from core.db.prepared import Param, Prepared
from core.errors import ErrorCode, ServiceError
from marketplace.models import BookingMode, Resource

from . import quota as quota_service
from .hours import Occurrence, WindowSpec, expand

OUTSIDE_HOURS = gettext_noop("Outside the opening hours.")  # stored; translated when shown


def horizon_days() -> int:
    return int(getattr(settings, "BOOKING_HORIZON_DAYS", 56))


def horizon_end(today: dt.date) -> dt.date:
    """The last local day stored: today and the next BOOKING_HORIZON_DAYS - 1 days (8 weeks)."""
    return today + dt.timedelta(days=horizon_days() - 1)


# --- keys -----------------------------------------------------------------------------------------
def slot_key(resource_id: int, start: dt.datetime) -> str:
    """"<resource id>:<start as UTC epoch seconds>" — stable before and after the slot is stored."""
    return f"{resource_id}:{int(start.timestamp())}"


def parse_slot_key(key: str) -> tuple[int, dt.datetime]:
    """Inverse of `slot_key`. Raises ServiceError(NOT_FOUND) for anything malformed."""
    try:
        resource_part, epoch_part = key.split(":", 1)
        return int(resource_part), dt.datetime.fromtimestamp(int(epoch_part), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ServiceError.of(ErrorCode.NOT_FOUND, _("There is no such slot."))


@dataclass(slots=True, unsafe_hash=True)
class SlotView:
    """A slot as read (stored) or computed (virtual); never changed once made. Not `frozen`: a frozen
    dataclass sets each field through object.__setattr__, three times slower to build, and a week of
    slots builds hundreds per request."""

    key: str
    pk: int | None          # None for a virtual (not yet stored) slot
    resource_id: int
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int
    held: int
    closed: bool
    sex: str

    @property
    def open_remaining(self) -> int:
        return 0 if self.closed else max(0, self.capacity - self.booked - self.held)


def view_of(slot: Slot) -> SlotView:
    return SlotView(key=slot_key(slot.resource_id, slot.start), pk=slot.pk, resource_id=slot.resource_id,
                    start=slot.start, end=slot.end, capacity=slot.capacity, booked=slot.booked, held=slot.held,
                    closed=slot.closed, sex=slot.sex)


# --- windows ----------------------------------------------------------------------------------------
def slot_capacity(resource: Resource, window: WindowSpec) -> int:
    if resource.booking_mode == BookingMode.EXCLUSIVE:
        return 1
    return min(window.capacity, resource.capacity) if window.capacity else resource.capacity


def specs_of(windows: Iterable[OpeningWindow]) -> list[WindowSpec]:
    return [WindowSpec(weekdays=tuple(w.weekdays), start_time=w.start_time, end_time=w.end_time,
                       ends_next_day=w.ends_next_day, valid_from=w.valid_from, valid_to=w.valid_to,
                       capacity=w.capacity, sex=w.sex, window_id=w.pk) for w in windows]


def windows_by_resource(resource_ids: Iterable[int]) -> dict[int, list[WindowSpec]]:
    """One query for all resources' windows."""
    out: dict[int, list[OpeningWindow]] = defaultdict(list)
    for w in OpeningWindow.objects.filter(resource_id__in=list(resource_ids)):
        out[w.resource_id].append(w)
    return {rid: specs_of(ws) for rid, ws in out.items()}


def occurrences(resource: Resource, windows: list[WindowSpec], first_day: dt.date,
                last_day: dt.date) -> list[Occurrence]:
    return list(expand(windows, first_day, last_day, resource.follows_holiday_calendar))


def new_slot(resource: Resource, occ: Occurrence) -> Slot:
    return Slot(resource_id=resource.pk, start=occ.start, end=occ.end, capacity=slot_capacity(resource, occ.window),
                sex=occ.window.sex, window_id=occ.window.window_id)


# --- materialisation --------------------------------------------------------------------------------
def materialise(*, resource: Resource, now: dt.datetime | None = None, until: dt.date | None = None) -> int:
    """Stores the missing slots from today to the horizon (or `until`) and applies quota rules to them.
    Idempotent; returns the number of slots created. Call inside the caller's transaction."""
    now = current(now)
    today = local_date(now)
    last = until or horizon_end(today)
    windows = windows_by_resource([resource.pk]).get(resource.pk, [])
    existing = set(Slot.objects.filter(resource=resource, start__gte=now).values_list("start", flat=True))
    fresh = [new_slot(resource, occ) for occ in occurrences(resource, windows, today, last)
             if occ.start >= now and occ.start not in existing]
    Slot.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)
    if fresh:
        quota_service.apply_rules_to_slots(resource_id=resource.pk, starts=[s.start for s in fresh])
    ResourceHours.objects.filter(resource=resource).update(materialised_until=last)
    return len(fresh)


SLOT_AT = Prepared(lambda _: Slot.objects.filter(resource_id=Param("resource", BigIntegerField()),
                                                start=Param("start", DateTimeField())).order_by("pk")[:1])


def ensure_slot(*, resource: Resource, start: dt.datetime) -> Slot:
    """The stored slot of `resource` starting at `start`, storing it if it is a valid occurrence.
    Raises ServiceError(NOT_FOUND) when `start` is no slot's start."""
    slot = SLOT_AT.first(None, {"resource": resource.pk, "start": start})
    if slot is not None:
        return slot
    windows = windows_by_resource([resource.pk]).get(resource.pk, [])
    day = local_date(start)
    occ = next((o for o in occurrences(resource, windows, day, day) if o.start == start), None)
    if occ is None:
        raise ServiceError.of(ErrorCode.NOT_FOUND, _("No slot starts at this time."), "start")
    try:
        with transaction.atomic():
            slot = new_slot(resource, occ)
            slot.save()
    except IntegrityError:
        return Slot.objects.get(resource=resource, start=start)
    quota_service.apply_rules_to_slots(resource_id=resource.pk, starts=[start])
    slot.refresh_from_db()
    return slot


# --- reads --------------------------------------------------------------------------------------------
def _rule_matches(rule: QuotaRule, occ: Occurrence) -> bool:
    return quota_service.rule_matches(rule, occ.start)


def slots_between(resource_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> list[SlotView]:
    """Slots of these resources starting inside [start, end), ordered by (start, resource).

    Stored slots as they are; beyond a resource's stored horizon, virtual slots computed from its
    windows with its quota rules' amounts as `held`. Four queries in all."""
    ids = sorted(set(resource_ids))
    if not ids:
        return []
    resources = {r.pk: r for r in Resource.objects.filter(pk__in=ids)}
    horizon = dict(ResourceHours.objects.filter(resource_id__in=ids).values_list("resource_id",
                                                                                  "materialised_until"))
    stored = list(Slot.objects.filter(resource_id__in=ids, start__gte=start, start__lt=end))
    views = [view_of(s) for s in stored]
    taken = {(s.resource_id, s.start) for s in stored}
    windows = windows_by_resource(ids)
    rules: dict[int, list[QuotaRule]] = defaultdict(list)
    for rule in QuotaRule.objects.filter(resource_id__in=ids, removed_at__isnull=True,
                                         ends_on__gte=local_date(start)):
        rules[rule.resource_id].append(rule)
    last_day = local_date(end)
    for rid in ids:
        resource = resources.get(rid)
        if resource is None or rid not in windows:
            continue
        until = horizon.get(rid)
        first_day = local_date(start)
        if until is not None:
            first_day = max(first_day, until + dt.timedelta(days=1))
        for occ in occurrences(resource, windows[rid], first_day, last_day):
            if not start <= occ.start < end or (rid, occ.start) in taken:
                continue
            capacity = slot_capacity(resource, occ.window)
            held = min(capacity, sum(r.amount for r in rules[rid] if _rule_matches(r, occ)))
            views.append(SlotView(key=slot_key(rid, occ.start), pk=None, resource_id=rid, start=occ.start,
                                  end=occ.end, capacity=capacity, booked=0, held=held, closed=False,
                                  sex=occ.window.sex))
    views.sort(key=lambda v: (v.start, v.resource_id))
    return views


def slot_view(key: str) -> SlotView | None:
    """One slot by key (stored or virtual); None when it is no slot."""
    resource_id, start = parse_slot_key(key)
    found = slots_between([resource_id], start, start + dt.timedelta(seconds=1))
    return found[0] if found else None


def quota_left_for(views: list[SlotView], community_id: int | None) -> dict[str, int]:
    """The viewer's community's quota left on each slot, by slot key (two queries): stored slots from
    their quota slots, virtual ones from the community's active rules."""
    if community_id is None or not views:
        return {}
    stored = quota_service.quota_remaining_for([v.pk for v in views if v.pk is not None], community_id)
    out = {v.key: stored.get(v.pk, 0) for v in views if v.pk is not None}
    virtual = [v for v in views if v.pk is None]
    if virtual:
        rules = list(QuotaRule.objects.filter(community_id=community_id, removed_at__isnull=True,
                                              resource_id__in={v.resource_id for v in virtual}))
        for v in virtual:
            out[v.key] = min(v.held, sum(r.amount for r in rules
                                         if r.resource_id == v.resource_id and quota_service.rule_matches(r, v.start)))
    return out
