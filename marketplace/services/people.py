"""Accounts and roles: the only code that writes `User` and `Membership` rows."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ErrorCode, ErrorCollector, ServiceError
from marketplace.models import Community, Membership, Role, User, WorkUnit

from . import audit

USERNAME_RE = re.compile(r"^[\w.@+-]{2,150}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
SEXES = ("MALE", "FEMALE")
FULL_NAME_MAX = 60


def validate_username(errors: ErrorCollector, username: str) -> None:
    if not USERNAME_RE.match(username):
        errors.add(ErrorCode.INVALID, _("A username has 2 to 150 letters, digits or . @ + - _."), "username")


def validate_phone(errors: ErrorCollector, phone: str) -> None:
    if phone and not PHONE_RE.match(phone):
        errors.add(ErrorCode.INVALID, _("Give an 11-digit mainland mobile number."), "phone")


def validate_email_address(errors: ErrorCollector, email: str) -> None:
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add(ErrorCode.INVALID, _("Give a valid e-mail address."), "email")


def validate_birth_date(errors: ErrorCollector, birth_date: dt.date | None) -> None:
    if birth_date is not None and not dt.date(1900, 1, 1) <= birth_date <= timezone.localdate():
        errors.add(ErrorCode.INVALID, _("The birth date is not plausible."), "birthDate")


def validate_sex(errors: ErrorCollector, sex: str) -> None:
    if sex and sex not in SEXES:
        errors.add(ErrorCode.INVALID, _("Sex is MALE or FEMALE."), "sex")


def validate_full_name(errors: ErrorCollector, full_name: str) -> None:
    if not full_name.strip():
        errors.add(ErrorCode.INVALID, _("Give the resident's full name."), "fullName")
    elif len(full_name.strip()) > FULL_NAME_MAX:
        errors.add(ErrorCode.INVALID, _("A full name has at most 60 characters."), "fullName")


def validate_role_scope(errors: ErrorCollector, role: str, community: Community | None,
                        unit: WorkUnit | None) -> None:
    if role not in Role.values:
        errors.add(ErrorCode.INVALID, _("Unknown role."), "role")
    elif role in (Role.RESIDENT, Role.COMMUNITY_WORKER) and community is None:
        errors.add(ErrorCode.INVALID, _("A resident or community worker belongs to a community."), "community")
    elif role in (Role.UNIT_ADMIN, Role.UNIT_STAFF) and unit is None:
        errors.add(ErrorCode.INVALID, _("Unit admins and unit staff belong to a unit."), "unit")


@transaction.atomic
def grant_role(*, actor: User | None, username: str, role: str, community: Community | None = None,
               unit: WorkUnit | None = None, full_name: str = "", birth_date: dt.date | None = None,
               email: str = "", phone: str = "", password: str | None = None,
               verified: bool = False, sex: str = "") -> User:
    """Creates the user, or adds the role to an existing one (a unit admin may also be a resident).

    Without a password the account cannot log in with one (tokens or a worker's proxy only).
    Raises ServiceError (INVALID; CONFLICT when the user already holds the role elsewhere).
    """
    errors = ErrorCollector()
    validate_username(errors, username)
    validate_phone(errors, phone)
    validate_email_address(errors, email)
    validate_birth_date(errors, birth_date)
    validate_role_scope(errors, role, community, unit)
    validate_sex(errors, sex)
    if password:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors.add(ErrorCode.INVALID, " ".join(exc.messages), "password")
    errors.raise_if_any()

    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
    for attr, value in (("full_name", full_name), ("email", email), ("phone", phone),
                        ("birth_date", birth_date), ("sex", sex)):
        if value:
            setattr(user, attr, value)
    if password:
        user.set_password(password)
    user.save()

    existing = user.memberships.filter(role=role).first()
    scope = {"community": community if role in (Role.RESIDENT, Role.COMMUNITY_WORKER) else None,
             "unit": unit if role in (Role.UNIT_ADMIN, Role.UNIT_STAFF) else None}
    if existing is not None:
        if existing.community_id != getattr(scope["community"], "pk", None) or existing.unit_id != getattr(
            scope["unit"], "pk", None
        ):
            raise ServiceError.of(ErrorCode.CONFLICT, _("The user already holds this role elsewhere."), "role")
        membership = existing
    else:
        membership = Membership.objects.create(user=user, role=role, **scope)
    if verified and role == Role.RESIDENT and membership.verified_at is None:
        membership.verified_at = timezone.now()
        membership.verified_by = actor
        membership.save(update_fields=["verified_at", "verified_by"])
    user.forget_roles()
    audit.record(actor=actor, action="user.create" if created else "user.grant_role", obj=user,
                 data={"role": role})
    return user


def ensure_worker_of(actor: User, resident: User) -> Membership:
    """A community worker acts only for residents of their own community."""
    membership = resident.membership(Role.RESIDENT)
    if actor.is_district_staff and membership is not None:
        return membership
    if membership is None or actor.worker_community_id is None or (
        membership.community_id != actor.worker_community_id
    ):
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED,
                              _("Only a worker of the resident's community may do this."))
    return membership


@transaction.atomic
def update_resident(*, actor: User, resident: User, verified: bool | None = None,
                    disabled: bool | None = None, consent_recorded: bool | None = None) -> User:
    """A community worker verifies residency and sets the disability flag, which needs a recorded
    consent (PIPL: disability is sensitive). Raises ServiceError (PERMISSION_DENIED, INVALID)."""
    resident = User.objects.select_for_update().get(pk=resident.pk)
    membership = ensure_worker_of(actor, resident)
    if disabled and not (consent_recorded or resident.disability_consent_at):
        raise ServiceError.of(ErrorCode.INVALID,
                              _("Setting the disability flag needs the resident's recorded consent."),
                              "consentRecorded")
    now = timezone.now()
    if verified is not None:
        membership.verified_at = now if verified else None
        membership.verified_by = actor if verified else None
        membership.save(update_fields=["verified_at", "verified_by"])
        audit.record(actor=actor, action="resident.verify" if verified else "resident.unverify", obj=resident)
    if consent_recorded and resident.disability_consent_at is None:
        resident.disability_consent_at = now
        resident.disability_consent_by = actor
    if disabled is not None and disabled != resident.is_disabled:
        resident.is_disabled = disabled
        audit.record(actor=actor, action="resident.disability", obj=resident, data={"disabled": disabled})
    resident.save()
    resident.forget_roles()
    return resident


def new_resident_username(community: Community) -> str:
    """`r<community id>-<8 hex digits>`, not taken by any account (random, so not guessable)."""
    while True:
        username = f"r{community.pk}-{secrets.token_hex(4)}"
        if not User.objects.filter(username=username).exists():
            return username


@transaction.atomic
def create_resident(*, actor: User, full_name: str, birth_date: dt.date | None = None, phone: str = "",
                    sex: str = "", verified: bool = False) -> User:
    """A community worker creates an account for a resident without a phone (or without a
    smartphone): no password, a generated username, the resident role in the worker's own community;
    `verified` records that the worker checked the residency. The worker then books on their behalf.
    Audited (user.create). Raises ServiceError (PERMISSION_DENIED for anyone but a community worker,
    INVALID for the fields)."""
    community_id = actor.worker_community_id
    if community_id is None:
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only a community worker may create resident accounts."))
    errors = ErrorCollector()
    validate_full_name(errors, full_name)
    validate_phone(errors, phone)
    validate_birth_date(errors, birth_date)
    validate_sex(errors, sex)
    errors.raise_if_any()
    community = Community.objects.get(pk=community_id)
    return grant_role(actor=actor, username=new_resident_username(community), role=Role.RESIDENT,
                      community=community, full_name=full_name.strip(), birth_date=birth_date, phone=phone,
                      sex=sex, verified=verified)


def get_user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise ServiceError.of(ErrorCode.NOT_FOUND, _("No such user."), "username") from None
