"""Publishing and updating resources: the only code that writes `Resource` rows.

Each function is one transaction. Validation failures raise `ServiceError` with every coded error
found (one validator per rule), and nothing is written. Opening hours are set by
`booking.services.availability`, which callers combine with these in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ErrorCode, ErrorCollector, ServiceError
from marketplace.models import BookingMode, Resource, ResourceCategory, TargetGroup, User, WorkUnit

from . import audit

NAME_MIN, NAME_MAX = 2, 100
ADDRESS_MAX = 200
DESCRIPTION_MAX = 4000
CAPACITY_MAX = 5000
OPENS_DAYS_MAX = 90
MINUTES_MAX = 7 * 24 * 60
ACTIVE_MAX = 100


@dataclass(frozen=True)
class ResourceFields:
    """The editable fields of a resource; None means "not given" (keep, or the default on publish)."""

    name: str | None = None
    category: str | None = None
    description: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    capacity: int | None = None
    booking_mode: str | None = None
    target_group: str | None = None
    requires_approval: bool | None = None
    accessible: bool | None = None
    check_in_required: bool | None = None
    follows_holiday_calendar: bool | None = None
    booking_opens_days_before: int | None = None
    booking_closes_minutes_before: int | None = None
    cancel_until_minutes_before: int | None = None
    max_active_per_resident: int | None = None

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


# --- permission ---------------------------------------------------------------------------------
def ensure_manages_unit(actor: User, unit: WorkUnit) -> None:
    """Only the unit's admins (and superusers, through the Django admin) manage its resources."""
    if actor.is_superuser or actor.administers_unit(unit.pk):
        return
    raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only an admin of this unit may do this."))


# --- validators, one per rule -------------------------------------------------------------------
def validate_name(errors: ErrorCollector, name: str) -> None:
    if not NAME_MIN <= len(name.strip()) <= NAME_MAX:
        errors.add(ErrorCode.INVALID, _("The name must be 2 to 100 characters long."), "name")


def validate_address(errors: ErrorCollector, address: str) -> None:
    if not address.strip() or len(address) > ADDRESS_MAX:
        errors.add(ErrorCode.INVALID, _("Give an address of at most 200 characters."), "address")


def validate_description(errors: ErrorCollector, description: str) -> None:
    if len(description) > DESCRIPTION_MAX:
        errors.add(ErrorCode.INVALID, _("The description is too long (at most 4000 characters)."),
                   "description")


def validate_location(errors: ErrorCollector, lat: float, lon: float) -> None:
    box = settings.DISTRICT_BBOX
    if not (box["min_lat"] <= lat <= box["max_lat"] and box["min_lon"] <= lon <= box["max_lon"]):
        errors.add(ErrorCode.INVALID, _("The location lies outside the district."), "location")


def validate_capacity(errors: ErrorCollector, capacity: int) -> None:
    if not 1 <= capacity <= CAPACITY_MAX:
        errors.add(ErrorCode.INVALID, _("Capacity must be between 1 and 5000."), "capacity")


def validate_choice(errors: ErrorCollector, value: str, choices: list[str], field: str) -> None:
    if value not in choices:
        errors.add(ErrorCode.INVALID, _("This value is not one of the allowed choices."), field)


def validate_booking_rules(errors: ErrorCollector, values: dict[str, Any]) -> None:
    limits = {
        "booking_opens_days_before": (0, OPENS_DAYS_MAX, "bookingOpensDaysBefore"),
        "booking_closes_minutes_before": (0, MINUTES_MAX, "bookingClosesMinutesBefore"),
        "cancel_until_minutes_before": (0, MINUTES_MAX, "cancelUntilMinutesBefore"),
        "max_active_per_resident": (1, ACTIVE_MAX, "maxActivePerResident"),
    }
    for key, (low, high, field) in limits.items():
        value = values.get(key)
        if value is not None and not low <= value <= high:
            errors.add(ErrorCode.INVALID, _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high},
                       field)


def _validate(values: dict[str, Any]) -> None:
    errors = ErrorCollector()
    if "name" in values:
        validate_name(errors, values["name"])
    if "category" in values:
        validate_choice(errors, values["category"], list(ResourceCategory.values), "category")
    if "booking_mode" in values:
        validate_choice(errors, values["booking_mode"], list(BookingMode.values), "bookingMode")
    if "target_group" in values:
        validate_choice(errors, values["target_group"], list(TargetGroup.values), "targetGroup")
    if "address" in values:
        validate_address(errors, values["address"])
    if "description" in values:
        validate_description(errors, values["description"])
    if "lat" in values or "lon" in values:
        validate_location(errors, values["lat"], values["lon"])
    if "capacity" in values:
        validate_capacity(errors, values["capacity"])
    validate_booking_rules(errors, values)
    errors.raise_if_any()


# --- services -------------------------------------------------------------------------------------
@transaction.atomic
def publish_resource(*, actor: User, unit: WorkUnit, data: ResourceFields) -> Resource:
    """Creates a resource of `unit`. Raises ServiceError (PERMISSION_DENIED, INVALID)."""
    ensure_manages_unit(actor, unit)
    values = data.given()
    errors = ErrorCollector()
    for required, field in (("name", "name"), ("category", "category"), ("address", "address"),
                            ("lat", "location"), ("lon", "location"), ("capacity", "capacity")):
        if required not in values and not any(e.field == field for e in errors.errors):
            errors.add(ErrorCode.INVALID, _("This field is required."), field)
    errors.raise_if_any()
    values.setdefault("description", "")
    _validate(values)
    resource = Resource(unit=unit, **values)
    if resource.category == ResourceCategory.HALL and "booking_mode" not in values:
        resource.booking_mode = BookingMode.EXCLUSIVE
    resource.save()
    audit.record(actor=actor, action="resource.publish", obj=resource,
                 data={"capacity": resource.capacity, "category": resource.category})
    return resource


@transaction.atomic
def update_resource(*, actor: User, resource: Resource, data: ResourceFields,
                    archived: bool | None = None) -> Resource:
    """Changes the given fields. The booking mode and category are fixed once published (slots and
    bookings depend on them). Capacity changes are checked against booked slots by the booking
    service that wraps this one. Raises ServiceError (PERMISSION_DENIED, INVALID)."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    ensure_manages_unit(actor, resource.unit)
    values = data.given()
    errors = ErrorCollector()
    for fixed, field in (("category", "category"), ("booking_mode", "bookingMode")):
        if fixed in values and values[fixed] != getattr(resource, fixed):
            errors.add(ErrorCode.INVALID, _("This cannot be changed once the resource is published."), field)
    errors.raise_if_any()
    if ("lat" in values) != ("lon" in values):
        values.setdefault("lat", resource.lat)
        values.setdefault("lon", resource.lon)
    _validate(values)
    before = {key: getattr(resource, key) for key in values}
    for key, value in values.items():
        setattr(resource, key, value)
    if archived is not None and archived != resource.archived:
        resource.archived_at = timezone.now() if archived else None
        audit.record(actor=actor, action="resource.archive" if archived else "resource.unarchive", obj=resource)
    resource.save()
    changed = {k: [before[k], values[k]] for k in values if before[k] != values[k]}
    if changed:
        audit.record(actor=actor, action="resource.update", obj=resource, data={"changed": changed})
    return resource


def archive_resource(*, actor: User, resource: Resource) -> Resource:
    return update_resource(actor=actor, resource=resource, data=ResourceFields(), archived=True)
