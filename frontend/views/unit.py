"""Unit admin and unit staff (gate, kitchen) pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from frontend import charts, labels, operations, timeutil
from frontend.csvexport import csv_response
from frontend.forms import CheckInForm
from frontend.operations import unslug
from frontend.timeutil import iso, parse_date, start_of_day
from frontend.unit_forms import CloseSlotsForm, DecisionForm, ResourceForm, WindowFormSet, windows_of

from .base import apply_errors, found, page, redirect_back, render_page, viewer

ADMIN, STAFF = "UNIT_ADMIN", "UNIT_STAFF"


def _unit_id(request: HttpRequest) -> str:
    unit = (viewer(request) or {}).get("unit")
    if not unit:
        raise Http404
    return unit["id"]


def _unit_resources(request: HttpRequest) -> list[dict[str, Any]]:
    node = operations.run(request, "UnitResources", {"unit": _unit_id(request)})["node"] or {}
    return list(node.get("resources") or [])


@page(ADMIN, STAFF)
def today(request: HttpRequest) -> HttpResponse:
    """The day's list (optionally one resource; a search by full name, plate or check-in code, exactly)
    and the check-in form."""
    day = parse_date(request.GET.get("date", "")) or timeutil.today()
    start = start_of_day(day)
    variables = {"from": iso(start), "to": iso(start + dt.timedelta(days=1)),
                 "search": request.GET.get("search") or None,
                 "resource": unslug(request.GET["resource"]) if request.GET.get("resource") else None}
    rows = operations.run(request, "UnitToday", variables)["unitBookings"]
    return render_page(request, "frontend/unit/today.html", {
        "rows": [e["node"] for e in rows["edges"]], "total": rows["totalCount"], "day": day,
        "resources": _unit_resources(request), "form": CheckInForm(), "search": request.GET.get("search", "")})


@page(ADMIN, STAFF)
def check_in(request: HttpRequest) -> HttpResponse:
    """POST a 6-digit code; answers with the result fragment (htmx) or the day's page."""
    form = CheckInForm(request.POST or None)
    booking, already = None, False
    if request.method == "POST" and form.is_valid():
        result = operations.run(request, "CheckIn", {"input": {"code": form.cleaned_data["code"].strip()}})
        payload = result["checkIn"]
        if payload["errors"]:
            apply_errors(form, payload["errors"], {"code": "code", "resourceId": "__all__"})
        else:
            booking, already = payload["booking"], payload["alreadyCheckedIn"]
            form = CheckInForm()
    context = {"form": form.mark_errors(), "booking": booking, "already": already}
    if request.htmx:  # type: ignore[attr-defined]
        return render_page(request, "frontend/unit/_check_in.html", context)
    checked_at = timeutil.parse_datetime(booking["checkedInAt"] or "") if booking else None
    if booking and already and checked_at is not None:
        messages.warning(request, _("Already checked in at %(time)s: %(name)s") % {
            "time": checked_at.strftime("%H:%M"), "name": booking["residentName"]})
        return HttpResponseRedirect(reverse("frontend:unit-today"))
    if booking:
        messages.success(request, _("Checked in: %(name)s") % {"name": booking["residentName"]})
        return HttpResponseRedirect(reverse("frontend:unit-today"))
    return render_page(request, "frontend/unit/check_in.html", context)


@page(ADMIN)
def clear_no_show(request: HttpRequest, bid: str) -> HttpResponse:
    """POST: the unit admin clears a no-show (clearNoShow); back to the list it came from."""
    if request.method == "POST":
        payload = operations.run(request, "ClearNoShow", {"input": {"bookingId": unslug(bid)}})["clearNoShow"]
        if payload["errors"]:
            messages.error(request, payload["errors"][0]["message"])
        else:
            messages.success(request, _("The no-show is cleared: %(name)s") % {
                "name": payload["booking"]["residentName"]})
    return redirect_back(request, reverse("frontend:unit-today"))


@page(ADMIN, STAFF)
def kitchen_sheet(request: HttpRequest, rid: str) -> HttpResponse:
    """The printable kitchen sheet: confirmed diners per sitting after the cutoff, with notes."""
    day = parse_date(request.GET.get("date", "")) or timeutil.today()
    data = operations.run(request, "KitchenSheet", {"resource": unslug(rid), "date": day.isoformat()})
    resource = found(data["node"])
    if resource["unit"]["id"] != _unit_id(request):  # another unit's kitchen: not a page for this viewer
        raise Http404
    lines = data["kitchenSheet"]
    day_diets: dict[str, int] = {}
    for line in lines:
        for diet in line["dietCounts"]:
            day_diets[diet["note"]] = day_diets.get(diet["note"], 0) + diet["diners"]
    return render_page(request, "frontend/unit/kitchen.html", {
        "resource": resource, "lines": lines, "day": day,
        "total": sum(line["confirmed"] for line in lines),
        "day_diets": sorted(day_diets.items(), key=lambda item: (-item[1], item[0]))})


@page(ADMIN)
def resources(request: HttpRequest) -> HttpResponse:
    return render_page(request, "frontend/unit/resources.html", {"rows": _unit_resources(request)})


def _hours_errors(formset: Any, sent_rows: list[Any], errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Puts `openingHours.N.field` errors on the editor row N came from; returns the others."""
    rest = []
    for error in errors:
        parts = (error.get("field") or "").split(".")
        if parts[0] == "openingHours" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(sent_rows):
            row = sent_rows[int(parts[1])]
            target = parts[2] if len(parts) > 2 and parts[2] in row.fields else None
            row.add_error(target, error.get("message"))
        else:
            rest.append(error)
    return rest


def _with_one_more_row(data: Any) -> Any:
    """The posted form again with one more empty opening-hours row (the no-JavaScript "add a block")."""
    data = data.copy()
    total = data.get("hours-TOTAL_FORMS", "0")
    data["hours-TOTAL_FORMS"] = str(min(int(total) + 1 if total.isdigit() else 1, 20))
    return data


def _picker(request: HttpRequest) -> tuple[dict[str, Any], dict[str, float] | None]:
    """The district drawn under the location picker (community points), and the unit's own location."""
    data = operations.run(request, "DistrictPlaces", {"unit": _unit_id(request)})
    places = [c for s in data["subdistricts"] for c in s["communities"]]
    unit = data.get("node") or {}
    return charts.picker_map(places), unit.get("location")


def _resource_page(request: HttpRequest, resource: dict[str, Any] | None) -> HttpResponse:
    editing = resource is not None
    area, unit_location = _picker(request)
    if request.method == "POST" and request.POST.get("add_block"):
        form = ResourceForm(request.POST, editing=editing)
        hours = WindowFormSet(_with_one_more_row(request.POST), prefix="hours")
    elif request.method == "POST":
        form = ResourceForm(request.POST, editing=editing)
        hours = WindowFormSet(request.POST, prefix="hours")
        if form.is_valid() and hours.is_valid():
            windows, rows = windows_of(hours)
            if editing:
                assert resource is not None
                variables = {"resourceId": resource["id"], **form.variables(), "openingHours": windows}
                payload = operations.run(request, "UpdateResource", {"input": variables})["updateResource"]
            else:
                variables = {**form.variables(), "openingHours": windows}
                payload = operations.run(request, "PublishResource", {"input": variables})["publishResource"]
            if not payload["errors"]:
                outside = payload.get("bookingsOutsideHours") or []
                messages.success(request, _("Saved."))
                if outside:
                    messages.warning(request, _("%(n)s bookings are outside the new opening hours. They stay "
                                                "booked; contact the residents if needed.") % {"n": len(outside)})
                return HttpResponseRedirect(reverse("frontend:unit-resources"))
            rest = _hours_errors(hours, rows, payload["errors"])
            apply_errors(form, rest, {"location": "lat", "resourceId": "__all__", "openingHours": "__all__"})
    else:
        initial: dict[str, Any] = {}
        current: list[dict[str, Any]] = []
        if resource:
            initial = {**resource, "lat": resource["location"]["lat"], "lon": resource["location"]["lon"]}
            current = resource["openingHours"]
        elif unit_location:
            initial = {"lat": unit_location["lat"], "lon": unit_location["lon"]}
        form = ResourceForm(initial=initial, editing=editing)
        hours = WindowFormSet(initial=current, prefix="hours")
    for row in hours.forms:
        row.mark_errors()
    return render_page(request, "frontend/unit/resource_form.html", {
        "form": form.mark_errors(), "hours": hours, "resource": resource, "map": area})


@page(ADMIN)
def publish(request: HttpRequest) -> HttpResponse:
    return _resource_page(request, None)


def _own_resource(request: HttpRequest, rid: str) -> dict[str, Any]:
    node = found(operations.run(request, "ResourceForEdit", {"id": unslug(rid)})["node"])
    if node["unit"]["id"] != _unit_id(request):
        raise Http404
    return dict(node)


@page(ADMIN)
def edit(request: HttpRequest, rid: str) -> HttpResponse:
    return _resource_page(request, _own_resource(request, rid))


@page(ADMIN)
def close_slots(request: HttpRequest, rid: str) -> HttpResponse:
    """A closure (holiday, repair): bookings inside are cancelled and their owners told."""
    resource = _own_resource(request, rid)
    form = CloseSlotsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        payload = operations.run(request, "CloseSlots", {"input": form.variables(resource["id"])})["closeSlots"]
        if not payload["errors"]:
            messages.success(request, _("%(slots)s slots closed, %(bookings)s bookings cancelled.") % {
                "slots": payload["closedSlots"], "bookings": payload["cancelledBookings"]})
            return HttpResponseRedirect(reverse("frontend:unit-resources"))
        apply_errors(form, payload["errors"], {"from": "start", "to": "end", "resourceId": "__all__"})
    return render_page(request, "frontend/unit/close.html", {"resource": resource, "form": form.mark_errors()})


@page(ADMIN)
def utilisation(request: HttpRequest, rid: str) -> HttpResponse:
    """Utilisation by week over the last 12 weeks and the next 4, as an SVG chart and a table."""
    first = timeutil.today() - dt.timedelta(weeks=12)
    last = timeutil.today() + dt.timedelta(weeks=4)
    node = found(operations.run(request, "ResourceUtilisation", {
        "id": unslug(rid), "from": first.isoformat(), "to": last.isoformat()})["node"])
    if node["unit"]["id"] != _unit_id(request):  # another unit's resource
        raise Http404
    points = node["utilisation"]
    values = [(p["weekStart"][5:], (p["booked"] / p["capacity"]) if p["capacity"] else 0.0) for p in points]
    return render_page(request, "frontend/unit/utilisation.html", {
        "resource": node, "points": points, "chart": charts.bars(values, maximum=1.0, percent=True)})


@page(ADMIN)
def approvals(request: HttpRequest) -> HttpResponse:
    result = operations.run(request, "PendingApprovals", {"after": request.GET.get("after") or None})
    rows = result["unitBookings"]
    return render_page(request, "frontend/unit/approvals.html", {
        "rows": [e["node"] for e in rows["edges"]], "page_info": rows["pageInfo"], "form": DecisionForm()})


def _yes_or_no(request: HttpRequest, *, operation: str, id_field: str, object_id: str, yes_field: str,
               back: str, said: tuple[str, str]) -> HttpResponse:
    """POST of a yes/no decision with an optional reason (approve a booking, accept a proposal): runs the
    mutation, says what happened or why not, and goes back to the list."""
    if request.method != "POST":
        return HttpResponseRedirect(reverse(back))
    form = DecisionForm(request.POST)
    form.is_valid()
    yes = request.POST.get(yes_field) == "1"
    field = operation[0].lower() + operation[1:]
    payload = operations.run(request, operation, {"input": {
        id_field: unslug(object_id), yes_field: yes, "reason": form.cleaned_data.get("reason") or None}})
    errors = payload[field]["errors"]
    if errors:
        messages.error(request, errors[0]["message"])
    else:
        messages.success(request, said[0] if yes else said[1])
    return HttpResponseRedirect(reverse(back))


@page(ADMIN)
def decide(request: HttpRequest, bid: str) -> HttpResponse:
    return _yes_or_no(request, operation="DecideBooking", id_field="bookingId", object_id=bid, yes_field="approve",
                      back="frontend:approvals", said=(_("Approved."), _("Rejected.")))


@page(ADMIN)
def proposals(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "PROPOSED"
    if status not in labels.ALLOCATION_STATUS:
        status = "PROPOSED"
    result = operations.run(request, "UnitProposals", {"unit": _unit_id(request), "status": status,
                                                        "after": request.GET.get("after") or None})
    rows = result["allocations"]
    return render_page(request, "frontend/unit/proposals.html", {
        "groups": group_proposals([e["node"] for e in rows["edges"]]), "page_info": rows["pageInfo"],
        "status": status, "statuses": labels.ALLOCATION_STATUS, "form": DecisionForm()})


def group_proposals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One group per need × resource (a run may propose a need's blocks at one resource separately), in
    the order of their first block; each with its blocks by start, their total and the ids to answer."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["need"]["id"], row["resource"]["id"])
        group = groups.setdefault(key, {"need": row["need"], "resource": row["resource"],
                                        "community": row["community"], "blocks": []})
        group["blocks"].append(row)
    for group in groups.values():
        blocks = sorted(group["blocks"], key=lambda b: (b["startsOn"], b["startTime"], b["weekdays"]))
        group.update(blocks=blocks, ids=[b["id"] for b in blocks],
                     proposed=[b for b in blocks if b["status"] == "PROPOSED"],
                     distance=min(b["distanceM"] for b in blocks),
                     starts_on=min(b["startsOn"] for b in blocks), ends_on=max(b["endsOn"] for b in blocks))
    return list(groups.values())


@page(ADMIN)
def respond(request: HttpRequest, aid: str) -> HttpResponse:
    return _yes_or_no(request, operation="RespondToAllocation", id_field="allocationId", object_id=aid,
                      yes_field="accept", back="frontend:proposals", said=(_("Accepted."), _("Declined.")))


@page(ADMIN)
def respond_group(request: HttpRequest) -> HttpResponse:
    """POST: accept or decline a need's proposals at one resource together (respondToAllocations, all or
    nothing); says how many and goes back to the proposals."""
    if request.method != "POST":
        return HttpResponseRedirect(reverse("frontend:proposals"))
    form = DecisionForm(request.POST)
    form.is_valid()
    accept = request.POST.get("accept") == "1"
    ids = [unslug(value) for value in request.POST.getlist("allocation") if value]
    payload = operations.run(request, "RespondToAllocations", {"input": {
        "allocationIds": ids, "accept": accept, "reason": form.cleaned_data.get("reason") or None}})
    answer = payload["respondToAllocations"]
    if answer["errors"]:
        messages.error(request, answer["errors"][0]["message"])
    else:
        n = len(answer["allocations"] or [])
        messages.success(request, (ngettext("%(n)s time block accepted.", "%(n)s time blocks accepted.", n) if accept
                                   else ngettext("%(n)s time block declined.", "%(n)s time blocks declined.", n))
                         % {"n": n})
    return HttpResponseRedirect(reverse("frontend:proposals"))


@page(ADMIN)
def contribution(request: HttpRequest) -> HttpResponse:
    """What the unit shared in a period, by category; `?format=csv` downloads it."""
    last = parse_date(request.GET.get("to", "")) or timeutil.today()
    first = parse_date(request.GET.get("from", "")) or last.replace(day=1)
    node = found(operations.run(request, "UnitContribution", {
        "unit": _unit_id(request), "from": first.isoformat(), "to": last.isoformat()})["node"])
    lines = node["contribution"]
    if request.GET.get("format") == "csv":
        return csv_response(f"contribution-{first}-{last}",
                            ["unit", "from", "to", "category", "bookings", "quantity", "hours"],
                            [[node["name"], first, last, line["category"], line["bookings"], line["quantity"],
                              line["hours"]] for line in lines])
    return render_page(request, "frontend/unit/contribution.html", {
        "unit": node, "lines": lines, "first": first, "last": last})

