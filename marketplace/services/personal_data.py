"""Personal data (PIPL; docs/ARCHITECTURE.md "Personal data"): a person's download and deletion,
across every app.

Each app that stores something about a person declares it here as a `PersonalDataHolder` (its
export and its erasure), registered from the app's `AppConfig.ready()`; this module names no app
above marketplace (pretix's data shredders are the model). Marketplace's own data — the profile,
roles, tokens, idempotency records and the names in audit entries (by them and about them, anonymised
as `deleted-<id>`: marketplace.services.audit.forget_person) — is handled here, after the holders, so
a holder can still act as the person (e.g. cancel their bookings).

    export_my_data(user) -> dict                          (the person's download)
    delete_my_data(*, user, now=None) -> DeletionReport   (the person's deletion; one transaction)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from core.clock import current
from core.graphql.auth import forget_tokens_of
from marketplace.models import IdempotencyRecord, User
from marketplace.models.audit import anonymised_name
from marketplace.models.people import new_feed_secret

from . import audit


@dataclass
class DeletionReport:
    """What a deletion did; holders add to it."""

    cancelled: list[int] = field(default_factory=list)  # future bookings cancelled
    kept: list[int] = field(default_factory=list)  # active bookings past their cancellation deadline
    scrubbed: int = 0  # booking rows scrubbed


@dataclass(frozen=True)
class PersonalDataHolder:
    """One app's personal data: `export(user)` gives JSON-ready sections of the download;
    `erase(user, now, report)` removes or scrubs them inside the deletion's transaction."""

    name: str
    export: Callable[[User], dict[str, Any]]
    erase: Callable[[User, dt.datetime, DeletionReport], None]


_holders: dict[str, PersonalDataHolder] = {}


def register(holder: PersonalDataHolder) -> None:
    """Called from an app's `ready()`; registering the same name again replaces it."""
    _holders[holder.name] = holder


def holders() -> list[PersonalDataHolder]:
    return list(_holders.values())


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime | dt.time) else value


def export_my_data(user: User) -> dict[str, Any]:
    """Everything stored about `user` that is theirs, as JSON-ready values (ISO dates): the profile,
    roles and every holder's sections. Reads only."""
    memberships = user.memberships.select_related("community", "unit").order_by("role")
    data: dict[str, Any] = {
        "exported_at": current(None).isoformat(),
        "profile": {
            "username": user.username, "full_name": user.full_name, "email": user.email, "phone": user.phone,
            "birth_date": iso(user.birth_date), "sex": user.sex, "has_disability": user.is_disabled,
            "disability_consent_at": iso(user.disability_consent_at), "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login), "active": user.is_active,
        },
        "roles": [{"role": m.role, "community": m.community.name if m.community else None,
                   "unit": m.unit.name if m.unit else None, "verified_at": iso(m.verified_at)}
                  for m in memberships],
    }
    for holder in holders():
        data.update(holder.export(user))
    return data


def delete_my_data(*, user: User, now: dt.datetime | None = None) -> DeletionReport:
    """Deletes the account's personal data: every holder erases its part (bookings cancelled or
    scrubbed, notifications and supports deleted, ...), then the account's tokens, idempotency records
    and roles are deleted and the account is deactivated with its profile emptied. One transaction;
    audited. Idempotent."""
    now = current(now)
    report = DeletionReport()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        for holder in holders():
            holder.erase(user, now, report)
        RefreshToken.objects.filter(user=user).delete()
        AccessToken.objects.filter(user=user).delete()
        forget_tokens_of(user.pk)  # this process's verified-token cache: now, and again once committed
        transaction.on_commit(lambda: forget_tokens_of(user.pk))
        Grant.objects.filter(user=user).delete()
        IdempotencyRecord.objects.filter(user=user).delete()
        audit.forget_person(user, username=user.username, full_name=user.full_name)
        user.memberships.all().delete()
        user.forget_roles()
        user.username = anonymised_name(user.pk)
        user.first_name = user.last_name = user.full_name = user.email = user.phone = user.sex = ""
        user.birth_date = None
        user.is_disabled = False
        user.disability_consent_at = None
        user.disability_consent_by = None
        user.is_active = False
        user.feed_secret = new_feed_secret()
        user.set_unusable_password()
        user.save()
        audit.record(actor=user, action="user.delete_data", obj=user,
                     data={"cancelled": report.cancelled, "kept": report.kept})
    return report
