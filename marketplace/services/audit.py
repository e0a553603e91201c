"""Writing the audit log. Services call `record()` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from marketplace.models import AuditEntry, User
from marketplace.models.audit import anonymised_name


def record(*, actor: User | None, action: str, obj: models.Model, reason: str = "",
           data: dict[str, Any] | None = None) -> AuditEntry:
    """Appends one entry: who (`actor`, None for the system) did `action` to `obj`, and why."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.username if actor is not None else "system"),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        reason=reason,
        data=data or {},
    )


def forget_person(user: User, *, username: str, full_name: str) -> None:
    """A person's deletion: entries by them and about them keep what happened, but name them only as
    `deleted-<id>` (actor_name by their former username, object_repr of their account or holding
    their full name). Inside the deletion's transaction."""
    name = anonymised_name(user.pk)
    AuditEntry.objects.filter(Q(actor_id=user.pk) | Q(actor_name=username)).exclude(actor_name=name).anonymise(
        "actor_name", name)
    about = Q(object_type=User._meta.label_lower, object_id=str(user.pk))
    if full_name:
        about |= Q(object_repr__contains=full_name)
    AuditEntry.objects.filter(about).exclude(object_repr=name).anonymise("object_repr", name)
