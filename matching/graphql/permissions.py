"""Who sees which needs, allocations and runs (docs/API.md, "Who may do what"), declared once.

needs: residents and workers see their community's; unit admins those with an allocation to their unit;
district staff all. allocations: workers (their community), unit admins (their unit), staff.
matchRuns: staff only. The rules live on the models' querysets (`visible_to`); this module adds the
joins every GraphQL read needs.
"""

from __future__ import annotations

from typing import Any

from marketplace.models import User
from matching.models import Allocation, MatchRun, Need


def needs(viewer: User | None) -> Any:
    return Need.objects.visible_to(viewer).with_served().select_related("community__subdistrict")


def allocations(viewer: User | None) -> Any:
    return Allocation.objects.visible_to(viewer).select_related(
        "community__subdistrict", "resource__unit__subdistrict", "match_run")


def may_see_match_runs(viewer: User | None) -> bool:
    return viewer is not None and viewer.is_district_staff


def match_runs(viewer: User | None) -> Any:
    if not may_see_match_runs(viewer):
        return MatchRun.objects.none()
    return MatchRun.objects.select_related("scope")
