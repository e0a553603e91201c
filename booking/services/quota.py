"""Quota: capacity of an accepted allocation held for one community (docs/ARCHITECTURE.md "Capacity and quota").

Invariant: a slot's `held` = Σ(amount - used) over its unreleased quota slots. Holding and
releasing change `held` only by conditional UPDATE with F(); the database's CheckConstraint
(`booked + held <= capacity`) backs them.

Public functions:
    add_quota(*, community, resource, start_time, end_time, ends_next_day, weekdays,
              starts_on, ends_on, amount, actor, now=None) -> QuotaRule
    remove_quota(*, rule, actor, reason, now=None) -> int
    quota_remaining(slot, community) -> int
    release_due_quota(*, now=None) -> int            (periodic job)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from booking.models import QuotaRule, QuotaSlot, Slot
from core.clock import current, tz
from core.errors import ErrorCode, ErrorCollector, ServiceError
from marketplace.models import Community, Resource, User
from marketplace.services import audit

from .live import slots_changed


def release_before() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "BOOKING_QUOTA_RELEASE_HOURS", 24)))


def rule_matches(rule: QuotaRule, start: dt.datetime) -> bool:
    """Does the rule's block cover the slot starting at `start` (local day, weekday and start time)?"""
    local = start.astimezone(tz())
    return (rule.starts_on <= local.date() <= rule.ends_on and local.weekday() in rule.weekdays
            and local.time().replace(tzinfo=None) == rule.start_time)


def _hold(slot_id: int, amount: int) -> bool:
    """held += amount if it fits beside what is booked and held (conditional UPDATE)."""
    held = Slot.objects.filter(pk=slot_id, booked__lte=F("capacity") - F("held") - amount).update(
        held=F("held") + amount) == 1
    if held:
        slots_changed([slot_id])
    return held


def apply_rules_to_slots(*, resource_id: int, starts: Iterable[dt.datetime], now: dt.datetime | None = None) -> int:
    """Applies the resource's active rules to freshly stored slots (as much as fits on each).
    Returns the number of quota slots made. Runs in the caller's transaction."""
    starts = list(starts)
    rules = list(QuotaRule.objects.filter(resource_id=resource_id, removed_at__isnull=True))
    if not rules or not starts:
        return 0
    made = 0
    slots = Slot.objects.filter(resource_id=resource_id, start__in=starts, closed=False).order_by("start")
    for slot in slots:
        for rule in rules:
            if not rule_matches(rule, slot.start) or QuotaSlot.objects.filter(rule=rule, slot=slot).exists():
                continue
            slot.refresh_from_db(fields=["booked", "held", "capacity"])
            amount = min(rule.amount, slot.capacity - slot.booked - slot.held)
            if amount > 0 and _hold(slot.pk, amount):
                QuotaSlot.objects.create(rule=rule, slot=slot, community_id=rule.community_id, amount=amount)
                made += 1
    return made


def validate_quota_input(*, weekdays: list[int], starts_on: dt.date, ends_on: dt.date, amount: int,
                         start_time: dt.time, end_time: dt.time, ends_next_day: bool) -> None:
    errors = ErrorCollector()
    if not weekdays or any(d not in range(7) for d in weekdays):
        errors.add(ErrorCode.INVALID, _("Weekdays run from 0 (Monday) to 6 (Sunday)."), "weekdays")
    if ends_on < starts_on:
        errors.add(ErrorCode.INVALID, _("The end date is before the start date."), "endsOn")
    if amount < 1:
        errors.add(ErrorCode.INVALID, _("The amount must be at least 1."), "quantity")
    if not ends_next_day and end_time <= start_time:
        errors.add(ErrorCode.INVALID, _("The end time must be after the start time."), "endTime")
    errors.raise_if_any()


@transaction.atomic
def add_quota(*, community: Community, resource: Resource, start_time: dt.time,
              end_time: dt.time, ends_next_day: bool, weekdays: list[int], starts_on: dt.date, ends_on: dt.date,
              amount: int, actor: User | None, now: dt.datetime | None = None) -> QuotaRule:
    """Holds `amount` on every stored, open, future slot of the block (slots stored later get it as
    they are materialised). All or nothing: CONFLICT when any slot lacks the free capacity.
    Raises ServiceError (INVALID, CONFLICT). Audited."""
    now = current(now)
    validate_quota_input(weekdays=weekdays, starts_on=starts_on, ends_on=ends_on, amount=amount,
                         start_time=start_time, end_time=end_time, ends_next_day=ends_next_day)
    rule = QuotaRule.objects.create(community=community, resource=resource,
                                    start_time=start_time, end_time=end_time, ends_next_day=ends_next_day,
                                    weekdays=sorted(set(weekdays)), starts_on=starts_on, ends_on=ends_on,
                                    amount=amount)
    cutoff = now + release_before()
    candidates = Slot.objects.filter(resource=resource, closed=False, start__gte=cutoff,
                                     start__lt=dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time(),
                                                                   tzinfo=tz()))
    slot_ids = [s.pk for s in candidates.order_by("start") if rule_matches(rule, s.start)]
    if slot_ids:
        fits = Slot.objects.filter(pk__in=slot_ids, booked__lte=F("capacity") - F("held") - amount).update(
            held=F("held") + amount)
        if fits != len(slot_ids):
            raise ServiceError.of(ErrorCode.CONFLICT, _("The capacity for this quota has been taken since."))
        slots_changed(slot_ids)
        QuotaSlot.objects.bulk_create([QuotaSlot(rule=rule, slot_id=sid, community=community, amount=amount)
                                       for sid in slot_ids])
    audit.record(actor=actor, action="quota.add", obj=rule,
                 data={"amount": amount, "slots": len(slot_ids)})
    return rule


def _release(quota_slot_id: int) -> bool:
    """Returns the unused part of one quota slot to open capacity. Locks the quota slot first, then
    the slot (the order quota bookings use)."""
    qs = QuotaSlot.objects.select_for_update().filter(pk=quota_slot_id, released=False).first()
    if qs is None:
        return False
    QuotaSlot.objects.filter(pk=qs.pk).update(released=True)
    unused = qs.amount - qs.used
    if unused:
        Slot.objects.filter(pk=qs.slot_id).update(held=F("held") - unused)
        slots_changed([qs.slot_id])
    return True


@transaction.atomic
def remove_quota(*, rule: QuotaRule, actor: User | None, reason: str, now: dt.datetime | None = None) -> int:
    """Ends a rule: what it holds on future slots returns to open capacity; bookings made from it
    stay. Returns the number of quota slots released. Audited."""
    now = current(now)
    QuotaRule.objects.filter(pk=rule.pk).update(removed_at=now, removed_reason=reason[:200])
    ids = list(QuotaSlot.objects.filter(rule=rule, released=False, slot__start__gte=now)
               .order_by("slot__start").values_list("pk", flat=True))
    released = sum(1 for qid in ids if _release(qid))
    audit.record(actor=actor, action="quota.remove", obj=rule, reason=reason, data={"released": released})
    rule.refresh_from_db()
    return released


def release_due_quota(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Periodic job: unused quota of slots starting within the release time returns to everyone.
    Each quota slot in its own short transaction. Idempotent."""
    now = current(now)
    ids = list(QuotaSlot.objects.filter(released=False, slot__start__lte=now + release_before())
               .order_by("slot__start").values_list("pk", flat=True)[:batch])
    released = 0
    for qid in ids:
        with transaction.atomic():
            released += int(_release(qid))
    return released


def quota_remaining(slot: Slot, community: Community | int | None) -> int:
    """Quota still held for `community` on `slot` (0 for none)."""
    if community is None or slot.pk is None:
        return 0
    community_id = community if isinstance(community, int) else community.pk
    left = QuotaSlot.objects.filter(slot_id=slot.pk, community_id=community_id, released=False).aggregate(
        left=Sum(F("amount") - F("used")))["left"]
    return int(left or 0)


def quota_remaining_for(slot_ids: Iterable[int], community_id: int | None) -> dict[int, int]:
    """Batched `quota_remaining` for many stored slots (one query)."""
    if community_id is None:
        return {}
    rows = (QuotaSlot.objects.filter(slot_id__in=list(slot_ids), community_id=community_id, released=False)
            .values("slot_id").annotate(left=Sum(F("amount") - F("used"))))
    return {r["slot_id"]: int(r["left"] or 0) for r in rows}


