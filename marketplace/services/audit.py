"""Writing the audit log. Services call `record()` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from marketplace.models import AuditEntry, User


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
