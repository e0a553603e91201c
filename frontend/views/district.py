"""District staff pages: the dashboard (SVG charts and point map), match runs with live progress,
CSV exports, the audit log."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from frontend import charts, labels, operations, timeutil
from frontend.csvexport import csv_response
from frontend.operations import slug, unslug
from frontend.timeutil import parse_date

from .base import found, page, render_page

STAFF = "DISTRICT_STAFF"


def _period(request: HttpRequest, default: tuple[dt.date, dt.date] | None = None
            ) -> tuple[dt.date, dt.date, str | None]:
    """The period asked for, or `default` (the past 30 days); with a message when the one asked for
    could not be used (a reversed range, more than a year, a day out of the calendar)."""
    first_text, last_text = request.GET.get("from", ""), request.GET.get("to", "")
    asked_first, asked_last = parse_date(first_text), parse_date(last_text)
    if default is None:
        default = (timeutil.today() - dt.timedelta(days=29), timeutil.today())
    if not first_text and not last_text:
        return default[0], default[1], None
    if asked_first is None or asked_last is None:
        return default[0], default[1], _("Give both days of the period as dates.")
    if asked_first > asked_last:
        return default[0], default[1], _("The period must end on or after its first day.")
    if (asked_last - asked_first).days > 365:
        return default[0], default[1], _("The period may span at most 366 days.")
    if not dt.date(2000, 1, 1) <= asked_first <= dt.date(2100, 12, 31):
        return default[0], default[1], _("Choose a day between 2000 and 2100.")
    return asked_first, asked_last, None


def planning_horizon(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """The days the newest finished match run planned for; 28 days from today before any run."""
    edges = operations.run(request, "PlanningHorizon")["matchRuns"]["edges"]
    node = edges[0]["node"] if edges else {}
    first = parse_date(node.get("horizonStart") or "") or timeutil.today()
    days = node.get("horizonDays") or 28
    return first, first + dt.timedelta(days=days - 1)


@page(STAFF)
def dashboard(request: HttpRequest) -> HttpResponse:
    horizon = planning_horizon(request)
    first, last, problem = _period(request, horizon)
    data = operations.run(request, "DistrictDashboard", {"from": first.isoformat(), "to": last.isoformat()})
    stats = data["districtStats"] or {}
    area = data["districtMap"] or {"resources": [], "communities": []}
    by_sub = stats.get("bySubdistrict") or []
    by_cat = stats.get("byCategory") or []
    return render_page(request, "frontend/district/dashboard.html", {
        "stats": stats, "first": first, "last": last, "by_sub": by_sub, "by_cat": by_cat, "problem": problem,
        "horizon": horizon, "is_horizon": (first, last) == horizon, "pipeline": charts.pipeline(stats),
        "served_chart": charts.bars([(s["subdistrict"]["name"], s["servedRate"]) for s in by_sub], 1.0, True),
        "util_chart": charts.bars([(s["subdistrict"]["name"], s["utilisation"]) for s in by_sub], 1.0, True),
        "cat_chart": charts.bars([(str(labels.CATEGORY.get(c["category"], c["category"])), c["utilisation"])
                                  for c in by_cat], 1.0, True),
        "noshow_chart": charts.bars([(s["subdistrict"]["name"], float(s["noShows"])) for s in by_sub]),
        "map": charts.point_map(area["resources"], area["communities"]),
        "runs": [e["node"] for e in data["matchRuns"]["edges"]],
    })


@page(STAFF)
def runs(request: HttpRequest) -> HttpResponse:
    """Start a match run (whole district or one subdistrict) and see the latest runs."""
    if request.method == "POST":
        horizon = request.POST.get("horizonDays", "28").strip() or "28"
        if not re.fullmatch(r"[0-9]{1,4}", horizon):  # ASCII digits only ("²".isdigit() is true)
            messages.error(request, _("The horizon is a number of days, for example 28."))
            return HttpResponseRedirect(reverse("frontend:runs"))
        variables: dict[str, Any] = {"horizonDays": int(horizon)}
        if request.POST.get("subdistrict"):
            variables["subdistrict"] = request.POST["subdistrict"]
        payload = operations.run(request, "RunMatching", {"input": variables})["runMatching"]
        if payload["errors"]:
            messages.error(request, payload["errors"][0]["message"])
        if payload["matchRun"]:
            return HttpResponseRedirect(reverse("frontend:run-progress", args=[slug(payload["matchRun"]["id"])]))
        return HttpResponseRedirect(reverse("frontend:runs"))
    data = operations.run(request, "MatchRuns", {"after": request.GET.get("after") or None})
    return render_page(request, "frontend/district/runs.html", {
        "subdistricts": data["subdistricts"], "rows": [e["node"] for e in data["matchRuns"]["edges"]],
        "page_info": data["matchRuns"]["pageInfo"]})


@page(STAFF)
def run_progress(request: HttpRequest, run: str) -> HttpResponse:
    """A run's page; htmx polls the same address for the progress fragment until the run ends."""
    node = found(operations.run(request, "MatchRunProgress", {"id": unslug(run)})["node"])
    template = "frontend/district/_run.html" if request.htmx else "frontend/district/run.html"  # type: ignore[attr-defined]
    return render_page(request, template, {"run": node})


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    return csv_response(name, header, rows)


@page(STAFF)
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """CSV for district reports: by subdistrict, by category, or one run's allocations."""
    first, last, _problem = _period(request)
    if kind in ("subdistricts", "categories"):
        stats = operations.run(request, "DistrictStatsExport", {"from": first.isoformat(),
                                                                "to": last.isoformat()})["districtStats"] or {}
        if kind == "subdistricts":
            rows = [[first, last, s["subdistrict"]["name"], s["servedRate"], s["utilisation"], s["bookings"],
                     s["noShows"]] for s in stats.get("bySubdistrict") or []]
            return _csv(f"subdistricts-{first}-{last}",
                        ["from", "to", "subdistrict", "served_rate", "utilisation", "bookings", "no_shows"], rows)
        rows = [[first, last, c["category"], c["servedRate"], c["utilisation"], c["bookings"], c["noShows"]]
                for c in stats.get("byCategory") or []]
        return _csv(f"categories-{first}-{last}",
                    ["from", "to", "category", "served_rate", "utilisation", "bookings", "no_shows"], rows)
    if kind == "allocations" and request.GET.get("run"):
        rows, after = [], None
        for _page in range(50):  # at most 5,000 rows, 100 per request as the API allows
            node = found(operations.run(request, "RunAllocationsExport", {
                "id": unslug(request.GET["run"]), "after": after})["node"])
            conn = node["allocations"]
            for e in conn["edges"]:
                a = e["node"]
                rows.append([a["community"]["name"], a["need"]["title"], a["resource"]["unit"]["name"],
                             a["resource"]["name"], a["resource"]["category"], a["quantity"], a["distanceM"],
                             a["startTime"], a["endTime"], a["startsOn"], a["endsOn"], a["status"]])
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
        return _csv("allocations", ["community", "need", "unit", "resource", "category", "quantity",
                                    "distance_m", "start", "end", "starts_on", "ends_on", "status"], rows)
    raise Http404


AUDIT_ACTION_MAX = 60


def _readable(value: Any) -> str:
    """A detail of an audit entry for people: enum values in words, lists joined, numbers as they are."""
    if isinstance(value, list):
        return "、".join(_readable(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_readable(v)}" for k, v in sorted(value.items()))
    return str(labels.any_label(value)) if value is not None else "—"


@page(STAFF)
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, 50 a page; filter by action and by day (from..to, both included)."""
    action = request.GET.get("action", "").strip()[:AUDIT_ACTION_MAX]
    first_day = parse_date(request.GET.get("from", ""))
    last_day = parse_date(request.GET.get("to", ""))
    variables: dict[str, Any] = {
        "action": action or None,
        "from": timeutil.iso(timeutil.start_of_day(first_day)) if first_day else None,
        "to": timeutil.iso(timeutil.start_of_day(last_day + dt.timedelta(days=1))) if last_day else None,
        "after": request.GET.get("after") or None,
    }
    log = operations.run(request, "AuditLog", variables)["auditLog"]
    rows = []
    for edge in log["edges"]:
        entry = dict(edge["node"])
        try:
            details = json.loads(entry["data"] or "{}")
        except ValueError:
            details = {}
        entry["details"] = [(key, _readable(value)) for key, value in sorted(details.items())] \
            if isinstance(details, dict) else []
        rows.append(entry)
    return render_page(request, "frontend/district/audit.html", {"actions": labels.AUDIT_ACTION,
        "rows": rows, "total": log["totalCount"], "page_info": log["pageInfo"], "action": action,
        "first_day": first_day, "last_day": last_day})
