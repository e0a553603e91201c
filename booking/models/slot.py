"""Slots: one bookable occurrence of an opening window, keyed by (resource, start).

Invariant (I1, enforced by the database): `booked + held <= capacity`, `booked >= 0`, `held >= 0`.
`booked` is the quantity of the slot's PENDING, CONFIRMED and CHECKED_IN bookings; `held` the quota
held for communities and not yet booked. Counters change only by conditional UPDATE with F()
(booking.services.counters).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from marketplace.models import Resource, Sex

from .quota import QuotaSlot


def remaining_for(*, open_remaining: int, quota_left: int, quota_counts: bool) -> int:
    """Places left for one viewer (the Python form of `SlotQuerySet.with_remaining_for`): the slot's
    open capacity plus, when the viewer may use it, what is left of their community's quota."""
    return open_remaining + (quota_left if quota_counts else 0)


class SlotQuerySet(models.QuerySet["Slot"]):
    def open(self) -> SlotQuerySet:
        return self.filter(closed=False)

    def with_remaining_for(self, community_id: int | None) -> SlotQuerySet:
        """Annotates `remaining`: places left for a viewer of `community_id` (None: anonymous or no
        home community) — open capacity plus the community's unreleased quota left (the SQL form of
        `remaining_for`)."""
        free: Any = F("capacity") - F("booked") - F("held")
        if community_id is not None:
            quota_left = (QuotaSlot.objects.filter(slot_id=OuterRef("pk"), community_id=community_id,
                                                   released=False)
                          .values("slot_id").annotate(left=Sum(F("amount") - F("used"))).values("left"))
            free = free + Coalesce(Subquery(quota_left, output_field=models.IntegerField()), Value(0))
        return self.annotate(remaining=free)


class Slot(models.Model):
    resource = models.ForeignKey(Resource, models.CASCADE, related_name="slots", verbose_name=_("resource"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    capacity = models.PositiveIntegerField(_("capacity"))
    booked = models.IntegerField(_("booked"), default=0)
    held = models.IntegerField(_("held by quota"), default=0)
    closed = models.BooleanField(_("closed"), default=False)
    closed_reason = models.CharField(_("closed because"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.ANY)
    window = models.ForeignKey("booking.OpeningWindow", models.SET_NULL, null=True, blank=True, related_name="+")

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["resource_id", "start"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.UniqueConstraint(fields=["resource", "start"], name="slot_one_per_resource_start"),
            models.CheckConstraint(condition=models.Q(booked__gte=0), name="slot_booked_not_negative"),
            models.CheckConstraint(condition=models.Q(held__gte=0), name="slot_held_not_negative"),
            models.CheckConstraint(condition=models.Q(booked__lte=models.F("capacity") - models.F("held")),
                                   name="slot_booked_plus_held_within_capacity"),
        ]
        indexes = [models.Index(fields=["start"])]

    def __str__(self) -> str:
        return f"{self.resource_id}@{self.start.isoformat()}"

    @property
    def open_remaining(self) -> int:
        return 0 if self.closed else max(0, self.capacity - self.booked - self.held)
