"""Needs: posted, updated and closed by a community worker for their own community; supported by its
residents. The only code that writes `Need` and `NeedSupport` rows.

Each function is one transaction; a refusal raises `ServiceError` (PERMISSION_DENIED, INVALID with the
camelCase field, ALREADY_FINAL for a closed need, CONFLICT for a reused idempotency key) and writes
nothing. Status, served quantity and reasons are derived (see `matching.models.needs`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import QuotaRule
from booking.services.quota import remove_quota
from core.errors import ErrorCode, ErrorCollector, ServiceError
from marketplace.models import ResourceCategory, Role, TargetGroup, User
from marketplace.services import audit
from marketplace.services.idempotency import claim_key
from matching.defaults import default_max_distance
from matching.models import Allocation, AllocationStatus, Need, NeedSupport, WeekdayPattern
from matching.models.needs import PATTERN_DAYS

from . import notify

TITLE_MIN, TITLE_MAX = 2, 120
QUANTITY_MAX = 10_000
DISTANCE_MIN, DISTANCE_MAX = 100, 5_000
SOURCE_MAX = 100
REASON_MAX = 500
SPAN_MAX_DAYS = 366


@dataclass(frozen=True)
class NeedFields:
    """The API's PostNeedInput (snake_case); None means "not given"."""

    category: str | None = None
    title: str | None = None
    quantity: int | None = None
    weekday_pattern: str | None = None
    weekdays: list[int] | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    ends_next_day: bool | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    target_group: str | None = None
    max_distance_m: int | None = None
    priority: int | None = None
    source_ref: str | None = None

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class NeedChanges:
    """The API's UpdateNeedInput: what a worker may change after posting."""

    title: str | None = None
    quantity: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    max_distance_m: int | None = None
    priority: int | None = None

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


# --- permissions ------------------------------------------------------------------------------------
def ensure_worker_of(actor: User, community_id: int | None) -> None:
    """Only a community worker of that community posts, updates and closes its needs."""
    if community_id is not None and actor.worker_community_id == community_id:
        return
    raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only a community worker of this community may do this."))


def ensure_resident_of(actor: User, community_id: int) -> None:
    if actor.home_community_id == community_id:
        return
    raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only residents of this community may support its needs."))


def ensure_open(need: Need) -> None:
    if need.closed_at is not None:
        raise ServiceError.of(ErrorCode.ALREADY_FINAL, _("This need is closed."))


# --- validators, one per rule ---------------------------------------------------------------------------
def validate_required(errors: ErrorCollector, values: dict[str, Any]) -> None:
    for key, field in (("category", "category"), ("title", "title"), ("quantity", "quantity"),
                       ("weekday_pattern", "weekdayPattern"), ("start_time", "startTime"),
                       ("end_time", "endTime"), ("starts_on", "startsOn"), ("ends_on", "endsOn")):
        if key not in values:
            errors.add(ErrorCode.INVALID, _("This field is required."), field)


def validate_category(errors: ErrorCollector, category: str) -> None:
    if category not in ResourceCategory.values:
        errors.add(ErrorCode.INVALID, _("This value is not one of the allowed choices."), "category")


def validate_title(errors: ErrorCollector, title: str) -> None:
    if not TITLE_MIN <= len(title.strip()) <= TITLE_MAX:
        errors.add(ErrorCode.INVALID, _("The title must be 2 to 120 characters long."), "title")


def validate_quantity(errors: ErrorCollector, quantity: int) -> None:
    if not 1 <= quantity <= QUANTITY_MAX:
        errors.add(ErrorCode.INVALID, _("The quantity must be between 1 and 10000."), "quantity")


def derive_weekdays(errors: ErrorCollector, pattern: str, weekdays: list[int] | None) -> list[int]:
    """The days a pattern stands for; ONE_DAY takes exactly one given day, the others derive theirs
    (given weekdays must then agree)."""
    if pattern not in WeekdayPattern.values:
        errors.add(ErrorCode.INVALID, _("This value is not one of the allowed choices."), "weekdayPattern")
        return []
    if pattern == WeekdayPattern.ONE_DAY:
        if not weekdays or len(set(weekdays)) != 1 or weekdays[0] not in range(7):
            errors.add(ErrorCode.INVALID, _("Give exactly one weekday, 0 (Monday) to 6 (Sunday)."), "weekdays")
            return []
        return [weekdays[0]]
    days = list(PATTERN_DAYS[pattern])
    if weekdays is not None and sorted(set(weekdays)) != days:
        errors.add(ErrorCode.INVALID, _("These weekdays do not match the weekday pattern."), "weekdays")
    return days


def validate_window(errors: ErrorCollector, start: dt.time, end: dt.time, ends_next_day: bool) -> None:
    if not ends_next_day and end <= start:
        errors.add(ErrorCode.INVALID, _("The end time must be after the start time."), "endTime")
    if ends_next_day and end > start:
        errors.add(ErrorCode.INVALID, _("A window ending the next day must end before it started."), "endTime")


def validate_dates(errors: ErrorCollector, starts_on: dt.date, ends_on: dt.date, today: dt.date) -> None:
    if ends_on < starts_on:
        errors.add(ErrorCode.INVALID, _("The end date is before the start date."), "endsOn")
    elif ends_on < today:
        errors.add(ErrorCode.INVALID, _("The end date is in the past."), "endsOn")
    elif (ends_on - starts_on).days > SPAN_MAX_DAYS:
        errors.add(ErrorCode.INVALID, _("A need may run for at most a year."), "endsOn")


def validate_start_not_past(errors: ErrorCollector, starts_on: dt.date, ends_on: dt.date, today: dt.date) -> None:
    """A new first day (of a need whose dates are otherwise valid) is today or later."""
    if starts_on < today <= ends_on and starts_on <= ends_on:
        errors.add(ErrorCode.INVALID, _("The first day is in the past: choose today or a later day."), "startsOn")


def validate_target_group(errors: ErrorCollector, group: str) -> None:
    if group not in TargetGroup.values:
        errors.add(ErrorCode.INVALID, _("This value is not one of the allowed choices."), "targetGroup")


def validate_distance(errors: ErrorCollector, distance: int) -> None:
    if not DISTANCE_MIN <= distance <= DISTANCE_MAX:
        errors.add(ErrorCode.INVALID, _("The distance must be between 100 and 5000 metres."), "maxDistanceM")


def validate_priority(errors: ErrorCollector, priority: int) -> None:
    if not 1 <= priority <= 5:
        errors.add(ErrorCode.INVALID, _("The priority runs from 1 (low) to 5 (urgent)."), "priority")


def validate_source_ref(errors: ErrorCollector, source_ref: str) -> None:
    if len(source_ref) > SOURCE_MAX:
        errors.add(ErrorCode.INVALID, _("The source reference is too long (at most 100 characters)."),
                   "sourceRef")


def validate_reason(errors: ErrorCollector, reason: str) -> None:
    if not reason.strip() or len(reason) > REASON_MAX:
        errors.add(ErrorCode.INVALID, _("Give a reason of at most 500 characters."), "reason")


def validate_not_below_served(errors: ErrorCollector, quantity: int, served: int) -> None:
    if quantity < served:
        errors.add(ErrorCode.INVALID, _("The quantity cannot be below what is already served."), "quantity")


def _local_today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


# --- services ------------------------------------------------------------------------------------------
@transaction.atomic
def post_need(*, actor: User, data: NeedFields, idempotency_key: str | None = None,
              now: dt.datetime | None = None) -> Need:
    """Posts a need for the worker's own community. Audited.

    Raises ServiceError: PERMISSION_DENIED (not a community worker), INVALID (with the field),
    CONFLICT (idempotency key reused with another input)."""
    now = now or timezone.now()
    community_id = actor.worker_community_id
    ensure_worker_of(actor, community_id)
    assert community_id is not None  # ensured above
    values = data.given()
    claim = claim_key(user=actor, key=idempotency_key, operation="postNeed", payload=values)
    if claim.replay is not None:
        return Need.objects.get(pk=claim.replay["need"])
    errors = ErrorCollector()
    validate_required(errors, values)
    errors.raise_if_any()
    validate_category(errors, values["category"])
    validate_title(errors, values["title"])
    validate_quantity(errors, values["quantity"])
    weekdays = derive_weekdays(errors, values["weekday_pattern"], values.get("weekdays"))
    ends_next_day = bool(values.get("ends_next_day", False))
    validate_window(errors, values["start_time"], values["end_time"], ends_next_day)
    validate_dates(errors, values["starts_on"], values["ends_on"], _local_today(now))
    validate_start_not_past(errors, values["starts_on"], values["ends_on"], _local_today(now))
    group = values.get("target_group", TargetGroup.ANYONE)
    validate_target_group(errors, group)
    if "max_distance_m" in values:
        validate_distance(errors, values["max_distance_m"])
    priority = values.get("priority", 3)
    validate_priority(errors, priority)
    validate_source_ref(errors, values.get("source_ref", ""))
    errors.raise_if_any()
    need = Need.objects.create(
        community_id=community_id, category=values["category"], title=values["title"].strip(),
        quantity=values["quantity"], weekday_pattern=values["weekday_pattern"], weekdays=weekdays,
        start_time=values["start_time"], end_time=values["end_time"], ends_next_day=ends_next_day,
        starts_on=values["starts_on"], ends_on=values["ends_on"], target_group=group,
        max_distance_m=values.get("max_distance_m") or default_max_distance(values["category"], group),
        priority=priority, source_ref=values.get("source_ref", "").strip(), created_by=actor,
        created_at=now, updated_at=now,
    )
    audit.record(actor=actor, action="need.post", obj=need,
                 data={"quantity": need.quantity, "category": need.category, "community": need.community_id})
    claim.complete({"need": need.pk})
    return need


@transaction.atomic
def update_need(*, actor: User, need: Need, changes: NeedChanges, now: dt.datetime | None = None) -> Need:
    """Changes what a worker may change of an open need. Audited with the old and new values.

    Raises ServiceError: PERMISSION_DENIED, ALREADY_FINAL (closed), INVALID (with the field)."""
    now = now or timezone.now()
    need = Need.objects.select_for_update().get(pk=need.pk)
    ensure_worker_of(actor, need.community_id)
    ensure_open(need)
    values = changes.given()
    errors = ErrorCollector()
    if "title" in values:
        validate_title(errors, values["title"])
    if "quantity" in values:
        validate_quantity(errors, values["quantity"])
        validate_not_below_served(errors, values["quantity"], need.served_quantity)
    validate_dates(errors, values.get("starts_on", need.starts_on), values.get("ends_on", need.ends_on),
                   _local_today(now) if "ends_on" in values else dt.date.min)
    if "starts_on" in values and values["starts_on"] != need.starts_on:
        validate_start_not_past(errors, values["starts_on"], values.get("ends_on", need.ends_on), _local_today(now))
    if "max_distance_m" in values:
        validate_distance(errors, values["max_distance_m"])
    if "priority" in values:
        validate_priority(errors, values["priority"])
    errors.raise_if_any()
    before = {k: str(getattr(need, k)) for k in values}
    for key, value in values.items():
        setattr(need, key, value.strip() if isinstance(value, str) else value)
    need.updated_at = now
    need.save()
    audit.record(actor=actor, action="need.update", obj=need,
                 data={"before": before, "after": {k: str(getattr(need, k)) for k in values}})
    _tell_units(need, _units_holding(need), now)
    return need


@transaction.atomic
def close_need(*, actor: User, need: Need, reason: str, now: dt.datetime | None = None) -> Need:
    """Closes a need: its open proposals become SUPERSEDED and the quota of its accepted allocations is
    removed (the capacity returns to everyone). Audited with the reason.

    Raises ServiceError: PERMISSION_DENIED, ALREADY_FINAL (already closed), INVALID (`reason`)."""
    now = now or timezone.now()
    need = Need.objects.select_for_update().get(pk=need.pk)
    ensure_worker_of(actor, need.community_id)
    ensure_open(need)
    errors = ErrorCollector()
    validate_reason(errors, reason)
    errors.raise_if_any()
    units = _units_holding(need)
    need.closed_at, need.closed_by, need.close_reason, need.updated_at = now, actor, reason.strip(), now
    need.save(update_fields=["closed_at", "closed_by", "close_reason", "updated_at"])
    superseded = Allocation.objects.filter(need=need, status=AllocationStatus.PROPOSED).update(
        status=AllocationStatus.SUPERSEDED)
    released = _remove_quota_of(need, actor=actor, reason=reason, now=now)
    audit.record(actor=actor, action="need.close", obj=need, reason=reason.strip(),
                 data={"superseded": superseded, "quota_removed": released})
    _tell_units(need, units, now)
    return need


def _units_holding(need: Need) -> list[int]:
    return sorted(set(Allocation.objects.filter(
        need=need, status__in=(AllocationStatus.PROPOSED, AllocationStatus.ACCEPTED)).values_list(
        "resource__unit_id", flat=True)))


def _tell_units(need: Need, units: list[int], now: dt.datetime) -> None:
    """NEED_UPDATED to the admins of units holding a proposal or accepted allocation for the need."""
    for unit_id in units:
        notify.tell(kind="NEED_UPDATED", key_parts=("need", need.pk, now.isoformat(), "unit", unit_id),
                    role=Role.UNIT_ADMIN, unit_ids=[unit_id],
                    params={"need": need.title, "closed": need.closed_at is not None})


def _remove_quota_of(need: Need, *, actor: User, reason: str, now: dt.datetime) -> int:
    ids = list(Allocation.objects.filter(need=need, status=AllocationStatus.ACCEPTED).values_list("pk", flat=True))
    removed = 0
    for rule in QuotaRule.objects.filter(allocation__in=ids, removed_at__isnull=True).order_by("pk"):
        remove_quota(rule=rule, actor=actor, reason=reason[:200], now=now)
        removed += 1
    return removed


@transaction.atomic
def support_need(*, actor: User, need: Need, support: bool) -> Need:
    """Records (or withdraws) a resident's "me too"; saying the same twice changes nothing.

    Raises ServiceError: PERMISSION_DENIED (not a resident of the need's community), ALREADY_FINAL
    (closed need, when adding support)."""
    ensure_resident_of(actor, need.community_id)
    if support:
        ensure_open(need)
        NeedSupport.objects.get_or_create(need=need, user=actor)
    else:
        NeedSupport.objects.filter(need=need, user=actor).delete()
    return need
