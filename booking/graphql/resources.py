"""Publishing and updating a resource with its opening hours: publishResource, updateResource.

The resource's own fields are the marketplace's (marketplace.services.resources); its opening hours,
slots and the bookings they touch are the booking app's, so both mutations live here and call
booking.services.availability, which wraps the marketplace service.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from graphql import GraphQLResolveInfo as Info

from core.errors import ErrorCode, ServiceError
from core.graphql.enums import value_of
from core.graphql.mutations import input_fingerprint, mutation_field
from core.graphql.relay import scoped_object
from marketplace import models
from marketplace.graphql import permissions as marketplace_permissions
from marketplace.graphql.types import Resource
from marketplace.models import Role
from marketplace.services.idempotency import claim_key
from marketplace.services.resources import ResourceFields

from ..services.availability import publish_resource_with_hours, update_resource_with_hours
from ..services.hours import WindowSpec
from .inputs import PublishResourceInput, UpdateResourceInput
from .types import Booking

FIELD_MAP = {
    "name": "name",
    "category": "category",
    "description": "description",
    "address": "address",
    "capacity": "capacity",
    "booking_mode": "booking_mode",
    "target_group": "target_group",
    "requires_approval": "requires_approval",
    "accessible": "accessible",
    "check_in_required": "check_in_required",
    "follows_holiday_calendar": "follows_holiday_calendar",
    "booking_opens_days_before": "booking_opens_days_before",
    "booking_closes_minutes_before": "booking_closes_minutes_before",
    "cancel_until_minutes_before": "cancel_until_minutes_before",
    "max_active_per_resident": "max_active_per_resident",
}


def resource_fields(data: Any) -> ResourceFields:
    values: dict[str, Any] = {}
    for key, target in FIELD_MAP.items():
        value = data.get(key)
        if value is not None:
            values[target] = value_of(value) if key in ("category", "booking_mode", "target_group") else value
    location = data.get("location")
    if location is not None:
        values["lat"], values["lon"] = float(location.lat), float(location.lon)
    return ResourceFields(**values)


def windows_of(data: Any) -> list[Any] | None:
    raw = data.get("opening_hours")
    if raw is None:
        return None
    if len(raw) > 50:
        raise ServiceError.of(ErrorCode.INVALID, _("At most 50 opening windows."), "openingHours")
    return [
        WindowSpec(
            weekdays=tuple(w.weekdays),
            start_time=w.start_time,
            end_time=w.end_time,
            ends_next_day=bool(w.get("ends_next_day")),
            valid_from=w.get("valid_from"),
            valid_to=w.get("valid_to"),
            capacity=w.get("capacity"),
            sex=value_of(w.get("sex")) or "ANY",
        )
        for w in raw
    ]


def publish_resource_handler(info: Info, data: Any) -> dict[str, Any]:
    actor: models.User = info.context.user
    membership = actor.membership(Role.UNIT_ADMIN)
    if membership is None or membership.unit_id is None:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only a unit admin may publish resources."))
    unit = models.WorkUnit.objects.get(pk=membership.unit_id)
    fields, windows = resource_fields(data), windows_of(data)
    with transaction.atomic():
        claim = claim_key(
            user=actor, key=data.get("idempotency_key"), operation="publishResource", payload=input_fingerprint(data)
        )
        if claim.replay is not None:
            return {"resource": models.Resource.objects.filter(pk=int(claim.replay.get("resource_id") or 0)).first()}
        resource = publish_resource_with_hours(
            actor=actor, unit=unit, data=fields, windows=windows, now=info.context.now
        )
        claim.complete({"resource_id": resource.pk})
    return {"resource": resource}


def _managed_resource(info: Info, global_id: str, field: str = "resourceId") -> models.Resource:
    return scoped_object(marketplace_permissions.resources(info.context.user), global_id, "Resource", field=field,
                         message=_("There is no such resource."))  # type: ignore[no-any-return]


def update_resource_handler(info: Info, data: Any) -> dict[str, Any]:
    resource = _managed_resource(info, data.resource_id)
    resource, outside = update_resource_with_hours(
        actor=info.context.user,
        resource=resource,
        data=resource_fields(data),
        windows=windows_of(data),
        archived=data.get("archived"),
        now=info.context.now,
    )
    return {"resource": resource, "bookings_outside_hours": outside}


class ResourceMutation:
    publish_resource = mutation_field("publishResource", PublishResourceInput, publish_resource_handler,
                                      returns={"resource": Resource})
    update_resource = mutation_field("updateResource", UpdateResourceInput, update_resource_handler,
                                     returns={"resource": Resource, "bookings_outside_hours": [Booking]},
                                     description="bookings outside new hours stay and are listed")
