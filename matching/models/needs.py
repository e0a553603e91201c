"""A community's need, residents' support for it, and why the latest run left it (partly) unserved.

Invariants:
- `weekdays` is the set the `weekday_pattern` stands for (ONE_DAY: exactly one day), sorted;
- status, served quantity and unserved reasons are derived, never typed in: served = the quantity of
  the need's ACCEPTED allocations; status = CLOSED once closed, else MATCHED when served covers the
  quantity, PARTLY_MATCHED when something is served, OPEN otherwise; reasons are rewritten by every
  match run that covers the need.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.enums import NeedStatus, UnservedReasonCode, WeekdayPattern
from marketplace.models import ResourceCategory, Role, TargetGroup, User

PATTERN_DAYS: dict[str, tuple[int, ...]] = {
    WeekdayPattern.EVERY_DAY: (0, 1, 2, 3, 4, 5, 6),
    WeekdayPattern.WEEKDAYS: (0, 1, 2, 3, 4),
    WeekdayPattern.WEEKEND: (5, 6),
}


def _allocations() -> Any:
    """The Allocation model (allocations.py imports this module, so it is reached through the relation)."""
    return Need._meta.get_field("allocations").related_model


class NeedQuerySet(models.QuerySet["Need"]):
    def with_served(self) -> NeedQuerySet:
        """Annotates `served` (quantity of ACCEPTED allocations) and `supporter_count`, as subqueries (two
        joined aggregates would multiply each other)."""
        accepted = (_allocations().objects.filter(need=OuterRef("pk"), status="ACCEPTED").order_by()
                    .values("need").annotate(total=Sum("quantity")).values("total"))
        supports = (NeedSupport.objects.filter(need=OuterRef("pk")).order_by().values("need")
                    .annotate(total=Count("id")).values("total"))
        return self.annotate(served=Coalesce(Subquery(accepted), Value(0)),
                             supporter_count=Coalesce(Subquery(supports), Value(0)))

    def open(self) -> NeedQuerySet:
        """Not closed (the matcher's input, before served quantities are taken out)."""
        return self.filter(closed_at__isnull=True)

    def with_status(self, status: str) -> NeedQuerySet:
        """Needs whose derived status is `status`."""
        if status == NeedStatus.CLOSED:
            return self.filter(closed_at__isnull=False)
        qs = self.open().with_served().annotate(_served=F("served"))
        if status == NeedStatus.MATCHED:
            return qs.filter(_served__gte=F("quantity"))
        if status == NeedStatus.PARTLY_MATCHED:
            return qs.filter(_served__gt=0, _served__lt=F("quantity"))
        return qs.filter(_served=0)

    def visible_to(self, user: User | None) -> NeedQuerySet:
        """Contract: residents and workers see their community's, unit admins needs with an allocation to
        their unit, district staff all; anyone else nothing."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_district_staff or user.is_superuser:
            return self.all()
        cond = Q(pk__in=[])
        communities = {c for c in (user.home_community_id, user.worker_community_id) if c}
        if communities:
            cond |= Q(community_id__in=communities)
        admin = user.membership(Role.UNIT_ADMIN)
        if admin is not None:
            cond |= Q(pk__in=_allocations().objects.filter(resource__unit_id=admin.unit_id).values("need_id"))
        return self.filter(cond)

    def by_priority(self) -> NeedQuerySet:
        """The API's order: priority desc, then createdAt."""
        return self.order_by("-priority", "created_at", "id")


class Need(models.Model):
    community = models.ForeignKey("marketplace.Community", models.PROTECT, related_name="needs",
                                  verbose_name=_("community"))
    category = models.CharField(_("category"), max_length=20, choices=ResourceCategory.choices)
    title = models.CharField(_("title"), max_length=120)
    quantity = models.PositiveIntegerField(
        _("quantity"), help_text=_("People, cars or places; for a hall the people of one meeting."))
    weekday_pattern = models.CharField(_("weekday pattern"), max_length=20, choices=WeekdayPattern.choices)
    weekdays = models.JSONField(_("weekdays"), default=list)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    ends_next_day = models.BooleanField(_("ends the next day"), default=False)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    target_group = models.CharField(_("target group"), max_length=20, choices=TargetGroup.choices,
                                    default=TargetGroup.ANYONE)
    max_distance_m = models.PositiveIntegerField(_("farthest distance (m)"))
    priority = models.PositiveSmallIntegerField(_("priority"), default=3)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    created_by = models.ForeignKey("marketplace.User", models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("posted by"))
    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey("marketplace.User", models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))
    close_reason = models.TextField(_("reason for closing"), blank=True)
    demo_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "created_at", "id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="need_quantity_positive"),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=5), name="need_priority_1_5"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="need_dates_ordered"),
        ]
        indexes = [models.Index(fields=["community", "closed_at"]), models.Index(fields=["category", "closed_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def served_quantity(self) -> int:
        annotated: Any = getattr(self, "served", None)
        if annotated is not None:
            return min(int(annotated), self.quantity)
        total = self.allocations.filter(status="ACCEPTED").aggregate(s=Sum("quantity"))["s"] or 0
        return min(int(total), self.quantity)

    @property
    def status(self) -> str:
        if self.closed_at is not None:
            return NeedStatus.CLOSED
        served = self.served_quantity
        if served >= self.quantity:
            return NeedStatus.MATCHED
        return NeedStatus.PARTLY_MATCHED if served > 0 else NeedStatus.OPEN

    @property
    def supporters(self) -> int:
        annotated: Any = getattr(self, "supporter_count", None)
        return int(annotated) if annotated is not None else self.supports.count()

    @property
    def demand_units(self) -> int:
        """Units the matcher counts: a hall need is one booking, anything else its quantity."""
        return 1 if self.category == ResourceCategory.HALL else self.quantity


class NeedSupport(models.Model):
    """A resident of the need's community said "me too"."""

    need = models.ForeignKey(Need, models.CASCADE, related_name="supports")
    user = models.ForeignKey("marketplace.User", models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support of a need")
        verbose_name_plural = _("supports of needs")
        constraints = [models.UniqueConstraint(fields=["need", "user"], name="need_support_once")]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.need_id}"


class UnservedReason(models.Model):
    """Why the latest run covering the need left `quantity` of it unserved (need units)."""

    need = models.ForeignKey(Need, models.CASCADE, related_name="unserved_reasons")
    match_run = models.ForeignKey("matching.MatchRun", models.CASCADE, related_name="unserved_reasons")
    code = models.CharField(max_length=30, choices=UnservedReasonCode.choices)
    quantity = models.PositiveIntegerField()
    detail = models.CharField(max_length=300, blank=True)
    blocking_need = models.ForeignKey(Need, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["need_id", "id"]
        verbose_name = _("unserved reason")
        verbose_name_plural = _("unserved reasons")

    def __str__(self) -> str:
        return f"{self.need_id}: {self.code} × {self.quantity}"

    @property
    def message(self) -> str:
        return str(UnservedReasonCode(self.code).label)
