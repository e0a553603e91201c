"""The district's geography and its work units."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.enums import WorkUnitKind


class Subdistrict(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    lat = models.FloatField(_("centre latitude"))
    lon = models.FloatField(_("centre longitude"))
    demo_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    name = models.CharField(_("name"), max_length=80)
    subdistrict = models.ForeignKey(Subdistrict, models.PROTECT, related_name="communities",
                                    verbose_name=_("subdistrict"))
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    demo_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["subdistrict__name", "name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [models.UniqueConstraint(fields=["subdistrict", "name"], name="community_unique_name")]

    def __str__(self) -> str:
        return self.name


class WorkUnit(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=WorkUnitKind.choices)
    subdistrict = models.ForeignKey(Subdistrict, models.PROTECT, related_name="units",
                                    verbose_name=_("subdistrict"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    demo_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("work unit")
        verbose_name_plural = _("work units")

    def __str__(self) -> str:
        return self.name


class DemoDistrict(models.Model):
    """Marks that `load_demo` built the demo district (at most one row): what and when."""

    scale = models.FloatField()
    seed = models.IntegerField()
    loaded_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("demo district")
        verbose_name_plural = _("demo district")

    def __str__(self) -> str:
        return f"demo scale={self.scale:g} seed={self.seed}"
