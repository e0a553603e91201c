"""The append-only audit log.

A small model rather than django-auditlog: our services write entries explicitly, with the reason a
person gave (a rejection, a closure, a decline), which a change-tracking library cannot know; and
our own logic never runs from signals (docs/ARCHITECTURE.md). Rows are never updated or deleted through the ORM
(the queryset and the model refuse); on PostgreSQL a trigger refuses it in SQL too.

One exception, for a person's deletion of their data (PIPL): `anonymise()` replaces the name in
`actor_name` or `object_repr` with the anonymised name of a deleted account, `deleted-<id>`, and
nothing else; the trigger allows exactly that update (migration 0007).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


ANONYMISED = re.compile(r"deleted-[0-9]+")  # the trigger of migration 0007 checks the same pattern


def anonymised_name(user_id: int) -> str:
    """The name a deleted account goes by (its username after the deletion, too)."""
    return f"deleted-{user_id}"


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the audit log is append-only")

    def anonymise(self, column: str, name: str) -> int:
        """Sets `column` (actor_name or object_repr) of these entries to `name`, an anonymised name
        (`deleted-<id>`); the only change the audit log allows. Returns the number of entries."""
        if column not in ("actor_name", "object_repr") or not ANONYMISED.fullmatch(name):
            raise AppendOnlyError("only a name may be anonymised in the audit log")
        return super().update(**{column: name})

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey("marketplace.User", models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("who"))
    actor_name = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    object_repr = models.CharField(_("object"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")
