"""Marketplace mutations: publishResource, updateResource, updateResident, createResident, deleteMyData.

Each handler parses the input, checks what the contract's table says, and calls the services
(booking.services.availability wraps marketplace.services.resources with the opening hours).
"""

from __future__ import annotations

from typing import Any

import graphene
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from graphql import GraphQLResolveInfo as Info

from core.graphql.errors import errors_field
from core.graphql.mutations import mutation_field
from core.graphql.relay import decode_int_id
from core.errors import ErrorCode, ServiceError
from marketplace.models import Resource, Role, User, WorkUnit
from marketplace.services.idempotency import claim_key
from marketplace.services.people import update_resident
from marketplace.services.resources import ResourceFields

from . import permissions
from core.graphql.enums import value_of
from .inputs import (
    CreateResidentInput,
    DeleteMyDataInput,
    PublishResourceInput,
    UpdateResidentInput,
    UpdateResourceInput,
)
from .types import Resource_, User_

FIELD_MAP = {
    "name": "name", "category": "category", "description": "description", "address": "address",
    "capacity": "capacity", "booking_mode": "booking_mode", "target_group": "target_group",
    "requires_approval": "requires_approval", "accessible": "accessible", "check_in_required": "check_in_required",
    "follows_holiday_calendar": "follows_holiday_calendar", "booking_opens_days_before": "booking_opens_days_before",
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
    from booking.services.hours import WindowSpec

    raw = data.get("opening_hours")
    if raw is None:
        return None
    if len(raw) > 50:
        raise ServiceError.of(ErrorCode.INVALID, _("At most 50 opening windows."), "openingHours")
    return [WindowSpec(weekdays=tuple(w.weekdays), start_time=w.start_time, end_time=w.end_time,
                       ends_next_day=bool(w.get("ends_next_day")), valid_from=w.get("valid_from"),
                       valid_to=w.get("valid_to"), capacity=w.get("capacity"),
                       sex=value_of(w.get("sex")) or "ANY") for w in raw]


def _fingerprint(data: Any) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in sorted(value.items()) if k != "idempotency_key"}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return str(getattr(value, "value", value)) if value is not None else None

    return plain(dict(data))  # type: ignore[no-any-return]


def publish(info: Info, data: Any) -> dict[str, Any]:
    from booking.services.availability import publish_resource_with_hours

    actor: User = info.context.user
    membership = actor.membership(Role.UNIT_ADMIN)
    if membership is None or membership.unit_id is None:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only a unit admin may publish resources."))
    unit = WorkUnit.objects.get(pk=membership.unit_id)
    fields, windows = resource_fields(data), windows_of(data)
    with transaction.atomic():
        claim = claim_key(user=actor, key=data.get("idempotency_key"), operation="publishResource",
                          payload=_fingerprint(data))
        if claim.replay is not None:
            return {"resource": Resource.objects.filter(pk=int(claim.replay.get("resource_id") or 0)).first()}
        resource = publish_resource_with_hours(actor=actor, unit=unit, data=fields, windows=windows,
                                               now=info.context.now)
        claim.complete({"resource_id": resource.pk})
    return {"resource": resource}


def _managed_resource(info: Info, global_id: str, field: str = "resourceId") -> Resource:
    pk = decode_int_id(global_id, "Resource")
    resource = permissions.resources(info.context.user).filter(pk=pk).first() if pk is not None else None
    if resource is None:
        raise ServiceError.of(ErrorCode.NOT_FOUND, _("There is no such resource."), field)
    return resource  # type: ignore[no-any-return]


def update(info: Info, data: Any) -> dict[str, Any]:
    from booking.services.availability import update_resource_with_hours

    resource = _managed_resource(info, data.resource_id)
    resource, outside = update_resource_with_hours(actor=info.context.user, resource=resource,
                                                   data=resource_fields(data), windows=windows_of(data),
                                                   archived=data.get("archived"), now=info.context.now)
    return {"resource": resource, "bookings_outside_hours": outside}


def update_resident_handler(info: Info, data: Any) -> dict[str, Any]:
    actor: User = info.context.user
    pk = decode_int_id(data.resident_id, "User")
    resident = permissions.users(actor).filter(pk=pk).first() if pk is not None else None
    if resident is None or not resident.has_role(Role.RESIDENT):
        raise ServiceError.of(ErrorCode.NOT_FOUND, _("There is no such resident."), "residentId")
    if actor.worker_community_id is None:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only a worker of the resident's community may do this."))
    resident = update_resident(actor=actor, resident=resident, verified=data.get("verified"),
                               disabled=data.get("disabled"), consent_recorded=data.get("consent_recorded"))
    return {"resident": resident}


def create_resident_handler(info: Info, data: Any) -> dict[str, Any]:
    """W: an account without a password for a resident of the worker's own community (idempotent)."""
    from marketplace.services.people import create_resident

    actor: User = info.context.user
    if actor.worker_community_id is None:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only a community worker may create resident accounts."))
    sex = value_of(data.get("sex"))
    with transaction.atomic():
        claim = claim_key(user=actor, key=data.get("idempotency_key"), operation="createResident",
                          payload=_fingerprint(data))
        if claim.replay is not None:
            return {"resident": User.objects.filter(pk=int(claim.replay.get("user_id") or 0)).first()}
        resident = create_resident(actor=actor, full_name=data.full_name or "", birth_date=data.get("birth_date"),
                                   phone=(data.get("phone") or "").strip(), sex="" if sex in (None, "ANY") else sex,
                                   verified=bool(data.get("verified")))
        claim.complete({"user_id": resident.pk})
    return {"resident": resident}


def delete_my_data_handler(info: Info, data: Any) -> dict[str, Any]:
    """R: the resident deletes their own account's personal data (marketplace.services.personal_data).
    Accounts with a work role are closed by the district office instead."""
    from marketplace.services.personal_data import delete_my_data

    actor: User = info.context.user
    if set(actor.roles) - {Role.RESIDENT}:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED,
                              _("Accounts with a work role are closed by the district office."))
    if data.confirm is not True:
        raise ServiceError.of(ErrorCode.INVALID, _("Confirm that your data is to be deleted."), "confirm")
    delete_my_data(user=actor, now=info.context.now)
    return {"deleted": True}


class CreateResidentPayload(graphene.ObjectType):
    resident = graphene.Field(User_)
    errors = errors_field()


class DeleteMyDataPayload(graphene.ObjectType):
    deleted = graphene.NonNull(graphene.Boolean)
    errors = errors_field()


class PublishResourcePayload(graphene.ObjectType):
    resource = graphene.Field(Resource_)
    errors = errors_field()


class UpdateResourcePayload(graphene.ObjectType):
    resource = graphene.Field(Resource_)
    bookings_outside_hours = graphene.NonNull(graphene.List(graphene.NonNull("booking.graphql.types.Booking")))
    errors = errors_field()


class UpdateResidentPayload(graphene.ObjectType):
    resident = graphene.Field(User_)
    errors = errors_field()


class MarketplaceMutation(graphene.ObjectType):
    publish_resource = mutation_field("publishResource", PublishResourcePayload, PublishResourceInput, publish)
    update_resource = mutation_field("updateResource", UpdateResourcePayload, UpdateResourceInput, update,
                                     defaults={"bookings_outside_hours": []},
                                     description="bookings outside new hours stay and are listed")
    update_resident = mutation_field("updateResident", UpdateResidentPayload, UpdateResidentInput,
                                     update_resident_handler)
    create_resident = mutation_field("createResident", CreateResidentPayload, CreateResidentInput,
                                     create_resident_handler,
                                     description="W: an account without a password for a resident of their "
                                                 "community")
    delete_my_data = mutation_field("deleteMyData", DeleteMyDataPayload, DeleteMyDataInput, delete_my_data_handler,
                                    defaults={"deleted": False},
                                    description="R: cancels future bookings, scrubs and deactivates the account")
