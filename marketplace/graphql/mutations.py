"""Marketplace mutations: updateResident, createResident, deleteMyData.

Each handler parses the input, checks what the API's rules say (schema.graphql), and calls the services.
(publishResource and updateResource carry opening hours: they are the booking app's.)
"""

from __future__ import annotations

from typing import Any

import graphene
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from graphql import GraphQLResolveInfo as Info

from core.errors import ErrorCode, ServiceError
from core.graphql.enums import value_of
from core.graphql.mutations import input_fingerprint, mutation_field
from core.graphql.relay import scoped_object
from marketplace import models
from marketplace.models import Role
from marketplace.services.idempotency import claim_key
from marketplace.services.people import create_resident, update_resident
from marketplace.services.personal_data import delete_my_data

from . import permissions
from .inputs import (
    CreateResidentInput,
    DeleteMyDataInput,
    UpdateResidentInput,
)
from .types import User


def update_resident_handler(info: Info, data: Any) -> dict[str, Any]:
    actor: models.User = info.context.user
    message = _("There is no such resident.")
    resident = scoped_object(permissions.users(actor), data.resident_id, "User", field="residentId", message=message)
    if not resident.has_role(Role.RESIDENT):
        raise ServiceError.of(ErrorCode.NOT_FOUND, message, "residentId")
    if actor.worker_community_id is None:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only a worker of the resident's community may do this."))
    resident = update_resident(
        actor=actor,
        resident=resident,
        verified=data.get("verified"),
        disabled=data.get("disabled"),
        consent_recorded=data.get("consent_recorded"),
    )
    return {"resident": resident}


def create_resident_handler(info: Info, data: Any) -> dict[str, Any]:
    """W: an account without a password for a resident of the worker's own community (idempotent)."""
    actor: models.User = info.context.user
    if actor.worker_community_id is None:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only a community worker may create resident accounts."))
    sex = value_of(data.get("sex"))
    with transaction.atomic():
        claim = claim_key(
            user=actor, key=data.get("idempotency_key"), operation="createResident", payload=input_fingerprint(data)
        )
        if claim.replay is not None:
            return {"resident": models.User.objects.filter(pk=int(claim.replay.get("user_id") or 0)).first()}
        resident = create_resident(
            actor=actor,
            full_name=data.full_name or "",
            birth_date=data.get("birth_date"),
            phone=(data.get("phone") or "").strip(),
            sex="" if sex in (None, "ANY") else sex,
            verified=bool(data.get("verified")),
        )
        claim.complete({"user_id": resident.pk})
    return {"resident": resident}


def delete_my_data_handler(info: Info, data: Any) -> dict[str, Any]:
    """R: the resident deletes their own account's personal data (marketplace.services.personal_data).
    Accounts with a work role are closed by the district office instead."""
    actor: models.User = info.context.user
    if set(actor.roles) - {Role.RESIDENT}:
        raise ServiceError.of(
            ErrorCode.PERMISSION_DENIED, _("Accounts with a work role are closed by the district office.")
        )
    if data.confirm is not True:
        raise ServiceError.of(ErrorCode.INVALID, _("Confirm that your data is to be deleted."), "confirm")
    delete_my_data(user=actor, now=info.context.now)
    return {"deleted": True}


class MarketplaceMutation(graphene.ObjectType):
    update_resident = mutation_field(
        "updateResident", UpdateResidentInput, update_resident_handler, returns={"resident": User}
    )
    create_resident = mutation_field(
        "createResident",
        CreateResidentInput,
        create_resident_handler,
        returns={"resident": User},
        description="W: an account without a password for a resident of their community",
    )
    delete_my_data = mutation_field(
        "deleteMyData",
        DeleteMyDataInput,
        delete_my_data_handler,
        returns={"deleted": graphene.NonNull(graphene.Boolean)},
        defaults={"deleted": False},
        description="R: cancels future bookings, scrubs and deactivates the account",
    )
