"""Opening hours, slots and closures: the only code that touches django-scheduler.

Each window is a django-scheduler Event on the resource's own Calendar with a Rule of frequency DAILY
and `byweekday` (docs/ARCHITECTURE.md "Opening hours"), mirrored by an `OpeningWindow` row that lists
and expansion read.

    set_opening_hours(*, actor, resource, windows, now=None) -> list[Booking]
    publish_resource_with_hours(*, actor, unit, data, windows=None, now=None) -> Resource
    update_resource_with_hours(*, actor, resource, data, windows=None, archived=None, now=None)
        -> tuple[Resource, list[Booking]]
    close_slots(*, actor, resource, start, end, reason, now=None) -> tuple[int, int]
    opening_hours(resource_ids) -> dict[int, list[OpeningWindow]]
    materialise_all(*, now=None) -> int                       (periodic)

Changing hours never drops a booking: a stored future slot that falls outside the new hours is
deleted only when nothing was ever booked on it; otherwise it stays, closed to new bookings, and its
active bookings are returned (the API's `bookingsOutsideHours`). Lowering a slot's capacity below
what it has booked and held is CONFLICT; raising it promotes the waitlist in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from schedule.models import Calendar, Event, Occurrence, Rule

from booking.models import ACTIVE, Booking, BookingStatus, OpeningWindow, QuotaSlot, ResourceHours, Slot
from core.clock import at, current, local_date
from core.errors import ErrorCode, ErrorCollector, ServiceError
from marketplace.models import BookingMode, Resource, Sex, User, WorkUnit
from marketplace.services import audit
from marketplace.services.idempotency import claim_key
from marketplace.services.resources import ResourceFields, ensure_manages_unit, publish_resource, update_resource

from . import waitlist
from .hours import WindowSpec
from .lifecycle import release
from .live import slots_changed
from .notify import tell
from .quota import _release as release_quota_slot
from .slots import OUTSIDE_HOURS, horizon_end, materialise, new_slot, occurrences, slot_capacity, specs_of

WindowInput = WindowSpec
MAX_WINDOWS = 20
CLOSE_MAX_DAYS = 366
OVERLAPS_KEPT = gettext_noop("Overlaps a booking made under the previous opening hours.")  # stored; shown translated


# --- validation -----------------------------------------------------------------------------------
def validate_windows(resource_capacity: int, mode: str, windows: list[WindowSpec]) -> None:
    errors = ErrorCollector()
    if len(windows) > MAX_WINDOWS:
        errors.add(ErrorCode.INVALID, _("At most 20 opening windows."), "openingHours")
    for i, w in enumerate(windows):
        path = f"openingHours.{i}"
        if not w.weekdays or any(d not in range(7) for d in w.weekdays):
            errors.add(ErrorCode.INVALID, _("Weekdays run from 0 (Monday) to 6 (Sunday)."), f"{path}.weekdays")
        if not w.ends_next_day and w.end_time <= w.start_time:
            errors.add(ErrorCode.INVALID, _("The end time must be after the start time."), f"{path}.endTime")
        if w.ends_next_day and w.end_time > w.start_time:
            errors.add(ErrorCode.INVALID, _("An overnight window must end before it starts again."),
                       f"{path}.endTime")
        if w.valid_from and w.valid_to and w.valid_to < w.valid_from:
            errors.add(ErrorCode.INVALID, _("The end date is before the start date."), f"{path}.validTo")
        if w.capacity is not None and not 1 <= w.capacity <= resource_capacity:
            errors.add(ErrorCode.INVALID, _("A window's capacity is between 1 and the resource's capacity."),
                       f"{path}.capacity")
        if w.sex not in Sex.values:
            errors.add(ErrorCode.INVALID, _("This value is not one of the allowed choices."), f"{path}.sex")
    if mode == BookingMode.EXCLUSIVE:
        _validate_no_overlap(errors, windows)
    errors.raise_if_any()


def _minutes(w: WindowSpec) -> tuple[int, int]:
    start = w.start_time.hour * 60 + w.start_time.minute
    end = w.end_time.hour * 60 + w.end_time.minute + (24 * 60 if w.ends_next_day else 0)
    return start, end


def _validate_no_overlap(errors: ErrorCollector, windows: list[WindowSpec]) -> None:
    """An exclusive resource's windows may not overlap (I2: no two bookings of a hall overlap)."""
    for i, a in enumerate(windows):
        for j in range(i):
            b = windows[j]
            if set(a.weekdays) & set(b.weekdays):
                (a0, a1), (b0, b1) = _minutes(a), _minutes(b)
                if a0 < b1 and b0 < a1:
                    errors.add(ErrorCode.INVALID, _("The windows of a hall may not overlap."),
                               f"openingHours.{i}.startTime")
                    return


# --- django-scheduler records --------------------------------------------------------------------
def hours_of(resource: Resource) -> ResourceHours:
    hours = ResourceHours.objects.filter(resource=resource).select_related("calendar").first()
    if hours is None:
        calendar = Calendar.objects.create(name=resource.name[:200], slug=f"resource-{resource.pk}")
        hours = ResourceHours.objects.create(resource=resource, calendar=calendar)
    return hours


def rule_for(weekdays: Iterable[int]) -> Rule:
    days = ",".join(str(d) for d in sorted(set(weekdays)))
    rule, _created = Rule.objects.get_or_create(name=f"days {days}"[:32], frequency="DAILY",
                                                defaults={"params": f"byweekday:{days}",
                                                          "description": f"DAILY on weekdays {days}"})
    return rule


def event_for(calendar: Calendar, resource: Resource, w: WindowSpec, today: dt.date) -> Event:
    first = w.valid_from or today
    start = at(first, w.start_time)
    end = at(first + dt.timedelta(days=1) if w.ends_next_day else first, w.end_time)
    until = at(w.valid_to + dt.timedelta(days=1), dt.time()) if w.valid_to else None
    return Event(calendar=calendar, title=resource.name[:255], start=start, end=end, rule=rule_for(w.weekdays),
                 end_recurring_period=until)


def opening_hours(resource_ids: Iterable[int]) -> dict[int, list[OpeningWindow]]:
    """The windows of many resources in one query (for `Resource.openingHours`)."""
    out: dict[int, list[OpeningWindow]] = defaultdict(list)
    for w in OpeningWindow.objects.filter(resource_id__in=list(resource_ids)):
        out[w.resource_id].append(w)
    return out


# --- setting hours ---------------------------------------------------------------------------------
def _write_windows(resource: Resource, windows: list[WindowSpec], today: dt.date) -> None:
    hours = hours_of(resource)
    old = list(OpeningWindow.objects.filter(resource=resource))
    event_ids = [w.event_id for w in old if w.event_id]
    OpeningWindow.objects.filter(resource=resource).delete()
    Event.objects.filter(pk__in=event_ids).delete()
    for position, w in enumerate(windows):
        event = event_for(hours.calendar, resource, w, today)
        event.save()
        OpeningWindow.objects.create(resource=resource, event=event, position=position,
                                     weekdays=sorted(set(w.weekdays)),
                                     start_time=w.start_time, end_time=w.end_time, ends_next_day=w.ends_next_day,
                                     valid_from=w.valid_from, valid_to=w.valid_to, capacity=w.capacity, sex=w.sex)


def _set_capacity(slot: Slot, capacity: int, field: str) -> bool:
    """Changes one slot's capacity by conditional UPDATE; CONFLICT below booked + held."""
    if capacity == slot.capacity:
        return False
    if not Slot.objects.filter(pk=slot.pk, booked__lte=capacity - F("held")).update(capacity=capacity):
        raise ServiceError.of(ErrorCode.CONFLICT, _("Some slots have more booked than the new capacity."), field)
    slots_changed([slot.pk])
    return capacity > slot.capacity


def reconcile(*, resource: Resource, now: dt.datetime, field: str = "capacity") -> list[Booking]:
    """Brings stored future slots in line with the current windows and capacity; materialises the
    horizon. Returns the active bookings left outside the hours."""
    windows = specs_of(OpeningWindow.objects.filter(resource=resource))
    today = local_date(now)
    stored = {s.start: s for s in Slot.objects.filter(resource=resource, start__gte=now)}
    last = max([horizon_end(today), *(local_date(s) for s in stored)])
    expected = {o.start: o for o in occurrences(resource, windows, today, last)}
    outside: list[int] = []
    grown: list[int] = []
    for start, slot in sorted(stored.items()):
        occ = expected.get(start)
        if occ is None:
            if not Booking.objects.filter(slot=slot).exists():
                slot.delete()
                continue
            Slot.objects.filter(pk=slot.pk).update(closed=True, closed_reason=OUTSIDE_HOURS)
            slots_changed([slot.pk])
            outside.append(slot.pk)
            continue
        if _set_capacity(slot, slot_capacity(resource, occ.window), field):
            grown.append(slot.pk)
        reopen = slot.closed and slot.closed_reason == OUTSIDE_HOURS
        if reopen:
            slots_changed([slot.pk])
        Slot.objects.filter(pk=slot.pk).update(end=occ.end, sex=occ.window.sex, window_id=occ.window.window_id,
                                               **({"closed": False, "closed_reason": ""} if reopen else {}))
    materialise(resource=resource, now=now)
    if resource.booking_mode == BookingMode.EXCLUSIVE:
        _close_overlaps(resource, outside)
    for slot_id in grown:
        waitlist.promote(slot_id, now=now)
    return list(Booking.objects.filter(slot_id__in=outside, status__in=ACTIVE).order_by("start", "id"))


def _close_overlaps(resource: Resource, kept_ids: list[int]) -> None:
    """I2 for halls: a new slot that overlaps a kept slot with an active booking stays closed."""
    for kept in Slot.objects.filter(pk__in=kept_ids, bookings__status__in=ACTIVE).distinct():
        overlapping = (Slot.objects.filter(resource=resource, start__lt=kept.end, end__gt=kept.start, booked=0,
                                           held=0).exclude(pk=kept.pk))
        slots_changed(overlapping.values_list("pk", flat=True))
        overlapping.update(closed=True, closed_reason=OVERLAPS_KEPT)


@transaction.atomic
def set_opening_hours(*, actor: User | None, resource: Resource, windows: list[WindowSpec],
                      now: dt.datetime | None = None) -> list[Booking]:
    """Replaces the resource's opening hours. Returns bookings now outside the hours (they stay).
    Raises ServiceError (PERMISSION_DENIED, INVALID, CONFLICT)."""
    now = current(now)
    if actor is not None:
        ensure_manages_unit(actor, resource.unit)
    validate_windows(resource.capacity, resource.booking_mode, windows)
    _write_windows(resource, windows, local_date(now))
    outside = reconcile(resource=resource, now=now, field="openingHours")
    audit.record(actor=actor, action="resource.hours", obj=resource,
                 data={"windows": len(windows), "outside": [b.pk for b in outside]})
    return outside


@transaction.atomic
def publish_resource_with_hours(*, actor: User, unit: WorkUnit, data: ResourceFields,
                                windows: list[WindowSpec] | None = None, idempotency_key: str | None = None,
                                now: dt.datetime | None = None) -> Resource:
    """`publish_resource` and its opening hours in one transaction; the same idempotency key returns
    the first resource. Raises ServiceError (PERMISSION_DENIED, INVALID, CONFLICT)."""
    payload = {"unit": unit.pk, "data": asdict(data), "windows": [asdict(w) for w in windows or []]}
    claim = claim_key(user=actor, key=idempotency_key, operation="publishResource", payload=payload)
    if claim.replay is not None:
        return Resource.objects.get(pk=claim.replay["resource_id"])
    resource = publish_resource(actor=actor, unit=unit, data=data)
    if windows:
        set_opening_hours(actor=actor, resource=resource, windows=windows, now=now)
    claim.complete({"resource_id": resource.pk})
    return resource


@transaction.atomic
def update_resource_with_hours(*, actor: User, resource: Resource, data: ResourceFields,
                               windows: list[WindowSpec] | None = None, archived: bool | None = None,
                               now: dt.datetime | None = None) -> tuple[Resource, list[Booking]]:
    """`update_resource`, then new hours (if given) or the new capacity applied to stored slots, in one
    transaction. Returns the resource and the bookings outside the (new) hours. Raises ServiceError
    (PERMISSION_DENIED, INVALID, CONFLICT when capacity falls below what a slot has booked)."""
    now = current(now)
    before = resource.capacity
    resource = update_resource(actor=actor, resource=resource, data=data, archived=archived)
    outside: list[Booking] = []
    if windows is not None:
        outside = set_opening_hours(actor=actor, resource=resource, windows=windows, now=now)
    elif resource.capacity != before:
        outside = reconcile(resource=resource, now=now)
    if resource.capacity != before:
        audit.record(actor=actor, action="resource.capacity", obj=resource,
                     data={"from": before, "to": resource.capacity})
    return resource, outside


# --- closures -------------------------------------------------------------------------------------------
@transaction.atomic
def close_slots(*, actor: User, resource: Resource, start: dt.datetime, end: dt.datetime, reason: str,
                now: dt.datetime | None = None) -> tuple[int, int]:
    """Closes the slots that start inside [start, end): their django-scheduler occurrences are
    cancelled, their bookings cancelled with `reason` and their owners told (SLOT_CLOSED), their
    unused quota released. Returns (closed slots, cancelled bookings). Audited.
    Raises ServiceError (PERMISSION_DENIED, INVALID)."""
    now = current(now)
    ensure_manages_unit(actor, resource.unit)
    errors = ErrorCollector()
    if end <= start or end - start > dt.timedelta(days=CLOSE_MAX_DAYS):
        errors.add(ErrorCode.INVALID, _("Give a period of up to a year, ending after it starts."), "to")
    if not reason.strip():
        errors.add(ErrorCode.INVALID, _("Give a reason for the residents."), "reason")
    errors.raise_if_any()
    windows = specs_of(OpeningWindow.objects.filter(resource=resource))
    missing = [new_slot(resource, o) for o in occurrences(resource, windows, local_date(start), local_date(end))
               if start <= o.start < end]
    Slot.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
    slots = list(Slot.objects.filter(resource=resource, start__gte=start, start__lt=end, closed=False)
                 .select_related("window").order_by("start"))
    Slot.objects.filter(pk__in=[s.pk for s in slots]).update(closed=True, closed_reason=reason[:200])
    slots_changed(s.pk for s in slots)
    Occurrence.objects.bulk_create([
        Occurrence(event_id=s.window.event_id, title=resource.name[:255], start=s.start, end=s.end, cancelled=True,
                   original_start=s.start, original_end=s.end)
        for s in slots if s.window is not None and s.window.event_id])
    cancelled = 0
    for booking in Booking.objects.filter(slot__in=slots, status__in=ACTIVE).order_by("slot__start", "id"):
        release(booking, BookingStatus.CANCELLED, reason, now)
        tell(booking=booking, kind="SLOT_CLOSED", effect="closed", now=now)
        cancelled += 1
    for qid in QuotaSlot.objects.filter(slot__in=slots, released=False).values_list("pk", flat=True):
        release_quota_slot(qid)
    audit.record(actor=actor, action="slots.close", obj=resource, reason=reason,
                 data={"from": start.isoformat(), "to": end.isoformat(), "slots": len(slots),
                       "cancelled": cancelled})
    return len(slots), cancelled


def materialise_all(*, now: dt.datetime | None = None) -> int:
    """Periodic: extends every listed resource's stored slots to the horizon (one transaction each)."""
    now = current(now)
    created = 0
    ids = ResourceHours.objects.filter(resource__archived_at__isnull=True).values_list("resource_id", flat=True)
    for resource in Resource.objects.filter(pk__in=list(ids)):
        with transaction.atomic():
            created += materialise(resource=resource, now=now)
    return created
