"""Read-mostly admin: needs, runs and allocations are written by services, so the admin shows them."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Allocation, MatchRun, Need, UnservedReason


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ("title", "community", "category", "quantity", "weekday_pattern", "priority", "starts_on",
                    "ends_on", "closed_at")
    list_filter = ("category", "weekday_pattern", "target_group", "priority")
    search_fields = ("title", "source_ref", "community__name")


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "scope", "created_at", "progress", "served_quantity", "demand_quantity", "gap",
                    "starved_communities", "solver_budget", "reproducible")
    list_filter = ("status",)


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("id", "need", "community", "resource", "quantity", "distance_m", "start_time", "status",
                    "match_run")
    list_filter = ("status",)
    raw_id_fields = ("need", "resource", "match_run")


@admin.register(UnservedReason)
class UnservedReasonAdmin(ReadOnlyAdmin):
    list_display = ("need", "code", "quantity", "match_run")
    list_filter = ("code",)
