"""Match runs: a state machine QUEUED -> RUNNING -> SUCCEEDED | FAILED (docs/ARCHITECTURE.md).

Invariants:
- at most one QUEUED or RUNNING run per overlapping scope (the district overlaps every subdistrict),
  checked under `MatchRunLock` by `start_match_run`;
- a run's results (allocations, reasons, figures) are written once, in the transaction that moves it
  from RUNNING to SUCCEEDED; a FAILED run wrote nothing;
- `heartbeat_at` is touched while a worker works on the run; the reaper fails runs whose heartbeat is stale.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.enums import MatchRunStatus
from marketplace.models import User

ACTIVE = (MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)


class MatchRunQuerySet(models.QuerySet["MatchRun"]):
    def active(self) -> MatchRunQuerySet:
        return self.filter(status__in=ACTIVE)

    def overlapping(self, subdistrict_id: int | None) -> MatchRunQuerySet:
        """Runs whose scope overlaps: a district run overlaps everything; a subdistrict run overlaps the
        district and the same subdistrict."""
        if subdistrict_id is None:
            return self.all()
        return self.filter(Q(scope__isnull=True) | Q(scope_id=subdistrict_id))

    def visible_to(self, user: User | None) -> MatchRunQuerySet:
        """Contract: district staff only."""
        if user is None or not user.is_authenticated or not (user.is_district_staff or user.is_superuser):
            return self.none()
        return self.all()

    def newest_first(self) -> MatchRunQuerySet:
        return self.order_by("-created_at", "-id")


class MatchRun(models.Model):
    status = models.CharField(_("status"), max_length=10, choices=MatchRunStatus.choices,
                              default=MatchRunStatus.QUEUED, db_index=True)
    progress = models.FloatField(_("progress"), default=0.0)
    scope = models.ForeignKey("marketplace.Subdistrict", models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("scope"))
    horizon_days = models.PositiveSmallIntegerField(_("horizon (days)"), default=28)
    horizon_start = models.DateField(_("horizon start"))
    created_at = models.DateTimeField(_("created at"), db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    parts_total = models.PositiveIntegerField(default=0)
    parts_done = models.PositiveIntegerField(default=0)
    demand_quantity = models.PositiveIntegerField(_("demand"), default=0)
    served_quantity = models.PositiveIntegerField(_("served"), default=0)
    bound = models.FloatField(_("bound"), null=True, blank=True)
    gap = models.FloatField(_("gap"), null=True, blank=True)
    starved_communities = models.PositiveIntegerField(_("starved communities"), null=True, blank=True)
    min_community_share = models.FloatField(null=True, blank=True)
    p10_community_share = models.FloatField(null=True, blank=True)
    mean_distance_m = models.FloatField(null=True, blank=True)
    p90_distance_m = models.FloatField(null=True, blank=True)
    churn = models.FloatField(null=True, blank=True)
    stages = models.JSONField(_("stage timings"), default=list, blank=True)
    solver_budget = models.FloatField(
        _("solver budget"), null=True, blank=True,
        help_text=_("CP-SAT deterministic time allowed, summed over the parts (work, not seconds)."))
    solver_time_used = models.FloatField(
        _("solver time used"), null=True, blank=True,
        help_text=_("CP-SAT deterministic time spent, summed over the parts."))
    reproducible = models.BooleanField(
        _("reproducible"), null=True, blank=True,
        help_text=_("False when a wall-clock safety limit stopped the solver: the same input may then give "
                    "other proposals."))
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey("marketplace.User", models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("started by"))

    objects = MatchRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=1), name="match_run_progress_0_1"),
            models.CheckConstraint(condition=Q(horizon_days__gte=1, horizon_days__lte=90),
                                   name="match_run_horizon_1_90"),
        ]

    def __str__(self) -> str:
        # what the audit log shows people (object_repr): no status code, in the request's language
        return f"{gettext('match run')} {self.pk}"

    @property
    def is_final(self) -> bool:
        return self.status in (MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED)

    @property
    def stage_timings(self) -> list[tuple[str, float]]:
        return [(s["name"], float(s["seconds"])) for s in self.stages or []]


class MatchRunSnapshot(models.Model):
    """What a run's tasks share (JSON): in `problem` its groups (needs' and resources' ids, from the
    outlines of its categories; each worker loads its group's data itself), the solver settings, and in
    `keys` the needs in no group with their reasons and figures. Written once by the dispatch, which it
    also claims (a redelivered dispatch finds it); deleted once the results are written."""

    match_run = models.OneToOneField(MatchRun, models.CASCADE, primary_key=True, related_name="snapshot")
    problem = models.JSONField()
    settings = models.JSONField()
    keys = models.JSONField(default=dict, help_text="solver keys -> database ids and block times")

    class Meta:
        verbose_name = _("match run input")
        verbose_name_plural = _("match run inputs")

    def __str__(self) -> str:
        return f"input of run {self.match_run_id}"


class MatchRunLock(models.Model):
    """One row, locked while a run is started, so two overlapping runs cannot both be queued."""

    class Meta:
        verbose_name = _("match run lock")
        verbose_name_plural = _("match run lock")

    def __str__(self) -> str:
        return "match run lock"
