"""Allocations: a match run's proposal that a resource's block serves (part of) a need.

Invariants:
- `quantity` is in the need's own units (people, cars; a hall allocation carries the group's size and
  takes one booking of the block);
- the block (start/end/endsNextDay), weekdays and date range are those the quota rule takes on accept;
- status moves PROPOSED -> ACCEPTED | DECLINED | SUPERSEDED once; only PROPOSED may change;
- a DECLINED allocation's (need, resource) pair is never proposed again (the solver's `declined`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.enums import AllocationStatus
from marketplace.models import ResourceCategory, Role, User


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def proposed(self) -> AllocationQuerySet:
        return self.filter(status=AllocationStatus.PROPOSED)

    def accepted(self) -> AllocationQuerySet:
        return self.filter(status=AllocationStatus.ACCEPTED)

    def of_unit(self, unit_id: int) -> AllocationQuerySet:
        return self.filter(resource__unit_id=unit_id)

    def of_community(self, community_id: int) -> AllocationQuerySet:
        return self.filter(community_id=community_id)

    def visible_to(self, user: User | None) -> AllocationQuerySet:
        """Contract: a worker sees their community's, a unit admin their unit's, district staff all."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_district_staff or user.is_superuser:
            return self.all()
        cond = Q(pk__in=[])
        if user.worker_community_id:
            cond |= Q(community_id=user.worker_community_id)
        admin = user.membership(Role.UNIT_ADMIN)
        if admin is not None:
            cond |= Q(resource__unit_id=admin.unit_id)
        return self.filter(cond)

    def newest_run_first(self) -> AllocationQuerySet:
        """The API's order of the `allocations` query."""
        return self.order_by("-match_run_id", "community__name", "need_id", "id")

    def by_community_then_need(self) -> AllocationQuerySet:
        """The API's order of `MatchRun.allocations`."""
        return self.order_by("community__name", "community_id", "need_id", "id")


class Allocation(models.Model):
    need = models.ForeignKey("matching.Need", models.CASCADE, related_name="allocations", verbose_name=_("need"))
    community = models.ForeignKey("marketplace.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    resource = models.ForeignKey("marketplace.Resource", models.PROTECT, related_name="allocations",
                                 verbose_name=_("resource"))
    match_run = models.ForeignKey("matching.MatchRun", models.CASCADE, related_name="allocations",
                                  verbose_name=_("match run"))
    quantity = models.PositiveIntegerField(_("quantity"))
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    weekdays = models.JSONField(_("weekdays"), default=list)
    block_index = models.PositiveSmallIntegerField(default=0, editable=False)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    ends_next_day = models.BooleanField(_("ends the next day"), default=False)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=12, choices=AllocationStatus.choices,
                              default=AllocationStatus.PROPOSED, db_index=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey("marketplace.User", models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("responded by"))
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    quota_rule = models.OneToOneField("booking.QuotaRule", models.PROTECT, null=True, blank=True,
                                      related_name="allocation", verbose_name=_("quota rule"),
                                      help_text=_("The booking app's quota rule made on accept."))

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["-match_run_id", "community_id", "need_id", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="allocation_quantity_positive")]
        indexes = [models.Index(fields=["need", "status"]), models.Index(fields=["resource", "status"])]

    def __str__(self) -> str:
        return f"{self.need_id} → {self.resource_id} × {self.quantity}"

    @property
    def units(self) -> int:
        """What the allocation takes of each occurrence of its block: a hall one booking."""
        return 1 if self.resource.category == ResourceCategory.HALL else self.quantity
