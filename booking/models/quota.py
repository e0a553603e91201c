"""Quota: capacity of an accepted allocation held for one community's residents.

A `QuotaRule` (block × weekdays × date range × amount; an accepted allocation points at its rule) is
applied to every matching slot as a `QuotaSlot`. Invariant: `0 <= used <= amount`; the slot's `held` is
the sum of `amount - used` over its unreleased, unremoved quota slots. Written only by `booking.services.quota`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.models import Community, Resource


class QuotaRule(models.Model):
    community = models.ForeignKey(Community, models.PROTECT, related_name="quota_rules",
                                  verbose_name=_("community"))
    resource = models.ForeignKey(Resource, models.CASCADE, related_name="quota_rules", verbose_name=_("resource"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    ends_next_day = models.BooleanField(_("ends the next day"), default=False)
    weekdays = models.JSONField(_("weekdays"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    amount = models.PositiveIntegerField(_("amount per slot"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_reason = models.CharField(_("removed because"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("quota rule")
        verbose_name_plural = _("quota rules")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=1), name="quota_rule_amount_positive")]

    def __str__(self) -> str:
        return f"quota {self.pk}: {self.community_id} × {self.amount} @ {self.resource_id}"

    @property
    def active(self) -> bool:
        return self.removed_at is None


class QuotaSlot(models.Model):
    rule = models.ForeignKey(QuotaRule, models.CASCADE, related_name="slots", verbose_name=_("quota rule"))
    slot = models.ForeignKey("booking.Slot", models.CASCADE, related_name="quota_slots", verbose_name=_("slot"))
    community = models.ForeignKey(Community, models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField(_("amount"))
    used = models.IntegerField(_("used"), default=0)
    released = models.BooleanField(_("released to everyone"), default=False)

    class Meta:
        verbose_name = _("quota on a slot")
        verbose_name_plural = _("quota on slots")
        constraints = [
            models.UniqueConstraint(fields=["rule", "slot"], name="quota_slot_one_per_rule_slot"),
            models.CheckConstraint(condition=models.Q(used__gte=0), name="quota_slot_used_not_negative"),
            models.CheckConstraint(condition=models.Q(used__lte=models.F("amount")),
                                   name="quota_slot_used_within_amount"),
        ]
        indexes = [models.Index(fields=["slot", "community"])]

    def __str__(self) -> str:
        return f"{self.rule_id}@{self.slot_id}: {self.used}/{self.amount}"
