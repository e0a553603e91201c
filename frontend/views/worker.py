"""Community worker pages: residents, proxy booking and slips, needs, allocations."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from frontend import labels, operations, timeutil
from frontend.forms import BookForm
from frontend.operations import slug, unslug
from frontend.worker_forms import CloseNeedForm, CreateResidentForm, NeedForm, ResidentForm

from .base import apply_errors, found, page, render_page, viewer
from .resident import slot_at

WORKER = "COMMUNITY_WORKER"
MAX_SLIPS = 30


def _community_id(request: HttpRequest) -> str:
    community = (viewer(request) or {}).get("community")
    if not community:
        raise Http404
    return community["id"]


def _residents(request: HttpRequest, search: str | None = None) -> dict[str, Any]:
    return operations.run(request, "CommunityResidents", {"search": search or None,
                                                          "after": request.GET.get("after") or None})[
        "communityResidents"]


@page(WORKER)
def residents(request: HttpRequest) -> HttpResponse:
    """The community's residents; POST creates an account for one without a phone (createResident)."""
    form = CreateResidentForm(request.POST if request.method == "POST" else None,
                              initial={"idempotencyKey": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        payload = operations.run(request, "CreateResident", {"input": form.variables()})["createResident"]
        if not payload["errors"]:
            person = payload["resident"]
            messages.success(request, _("Account created for %(name)s. User name: %(username)s") % {
                "name": person["displayName"], "username": person["username"]})
            return HttpResponseRedirect(reverse("frontend:resident", args=[slug(person["id"])]))
        apply_errors(form, payload["errors"])
    search = request.GET.get("search", "").strip()
    result = _residents(request, search)
    return render_page(request, "frontend/worker/residents.html", {
        "rows": [e["node"] for e in result["edges"]], "total": result["totalCount"],
        "page_info": result["pageInfo"], "search": search, "form": form.mark_errors()})


@page(WORKER)
def resident_detail(request: HttpRequest, uid: str) -> HttpResponse:
    """Verify residency; set the disability flag only with recorded consent (updateResident)."""
    node = found(operations.run(request, "ResidentDetail", {"id": unslug(uid)})["node"])
    initial = {"verified": node["residencyVerified"], "disabled": "DISABLED" in node["eligibleGroups"]}
    form = ResidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        variables: dict[str, Any] = {"residentId": node["id"], "verified": data["verified"],
                                     "disabled": data["disabled"]}
        if data.get("consentRecorded"):
            variables["consentRecorded"] = True
        payload = operations.run(request, "UpdateResident", {"input": variables})["updateResident"]
        if not payload["errors"]:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("frontend:residents"))
        apply_errors(form, payload["errors"], {"residentId": "__all__"})
    return render_page(request, "frontend/worker/resident.html", {"resident": node, "form": form.mark_errors()})


@page(WORKER)
def proxy_book(request: HttpRequest) -> HttpResponse:
    """Book one slot for several residents at once (all or nothing); then print their slips."""
    rid = request.POST.get("resource") or request.GET.get("resource")
    start_text = request.POST.get("start") or request.GET.get("start", "")
    for_resident = request.GET.get("for", "")
    if not rid or not start_text:
        return _proxy_pick(request, for_resident)
    node, slot = slot_at(request, rid, start_text)
    full = slot is not None and slot["state"] == "FULL"
    people = [e["node"] for e in _residents(request, request.GET.get("search"))["edges"]]
    chosen = request.POST.getlist("residents") if request.method == "POST" else [for_resident] if for_resident else []
    if for_resident and for_resident not in {slug(p["id"]) for p in people}:
        person = operations.run(request, "ResidentDetail", {"id": unslug(for_resident)})["node"]
        if person and "id" in person:
            people.insert(0, person)
    if request.method == "POST":
        form = BookForm(request.POST, resource=node, full=full)
        if not chosen:
            form.add_error(None, _("Choose at least one resident."))
        elif form.is_valid():
            variables = form.variables(node["id"], for_residents=[unslug(c) for c in chosen])
            payload = operations.run(request, "BookSlot", {"input": variables})["bookSlot"]
            if not payload["errors"]:
                waiting = [b for b in payload["bookings"] if b["status"] == "WAITLISTED"]
                if waiting:
                    messages.success(request, _("%(n)s residents are on the waiting list; they are told when a "
                                                "place is free.") % {"n": len(waiting)})
                else:
                    messages.success(request, _("Booked for %(n)s residents.") % {"n": len(payload["bookings"])})
                ids = "&".join(f"b={slug(b['id'])}" for b in payload["bookings"][:MAX_SLIPS])
                return HttpResponseRedirect(f"{reverse('frontend:slips')}?{ids}")
            apply_errors(form, payload["errors"], {"forResidents": "__all__", "start": "__all__",
                                                   "resourceId": "__all__", "slots": "__all__"})
    else:
        form = BookForm(initial={"start": start_text, "quantity": 1, "joinWaitlist": full}, resource=node, full=full)
    return render_page(request, "frontend/worker/proxy_book.html", {"full": full,
        "resource": node, "slot": slot, "form": form.mark_errors(), "people": people,
        "chosen": set(chosen), "start": start_text, "rid": rid})


def _proxy_pick(request: HttpRequest, for_resident: str) -> HttpResponse:
    """The first step of proxy booking: resources with a free place this week, nearest to the worker's
    community first (the API's `resources(near:)`), of one category if chosen; `for` names the resident
    the worker books for (from the resident's page), carried to the resource and the booking form."""
    category = request.GET.get("category") or None
    if category not in labels.CATEGORY:
        category = None
    variables = {"search": request.GET.get("search") or None, "category": category,
                 "availableFrom": timeutil.iso(timeutil.now()),
                 "availableTo": timeutil.iso(timeutil.now() + dt.timedelta(days=7))}
    home = ((viewer(request) or {}).get("community") or {}).get("location")
    if home:
        result = operations.run(request, "FindResources", {**variables, "near": home})["resources"]
    else:
        result = operations.run(request, "FindResourcesAnywhere", variables)["resources"]
    person = None
    if for_resident:
        person = operations.run(request, "ResidentDetail", {"id": unslug(for_resident)})["node"]
        if not person or "id" not in person:
            for_resident, person = "", None
    return render_page(request, "frontend/worker/proxy_pick.html", {
        "rows": [e["node"] for e in result["edges"]], "search": request.GET.get("search", ""),
        "category": category or "", "categories": labels.CATEGORY, "for_resident": for_resident,
        "person": person})


@page(WORKER)
def slips(request: HttpRequest) -> HttpResponse:
    """Printable slips with the check-in code of bookings the worker made."""
    bookings = []
    for value in request.GET.getlist("b")[:MAX_SLIPS]:
        node = operations.run(request, "BookingDetail", {"id": unslug(value)})["node"]
        if node and "id" in node:
            bookings.append(node)
    return render_page(request, "frontend/worker/slips.html", {"bookings": bookings})


@page(WORKER)
def needs(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status and status not in labels.NEED_STATUS:
        status = None
    result = operations.run(request, "WorkerNeeds", {"community": _community_id(request), "status": status,
                                                     "after": request.GET.get("after") or None})["needs"]
    return render_page(request, "frontend/worker/needs.html", {
        "rows": [e["node"] for e in result["edges"]], "total": result["totalCount"],
        "page_info": result["pageInfo"], "status": status, "statuses": labels.NEED_STATUS})


@page(WORKER)
def post_need(request: HttpRequest) -> HttpResponse:
    form = NeedForm(request.POST or None, initial={"startsOn": timeutil.today(), "targetGroup": "ANYONE",
                                                   "weekdayPattern": "WEEKDAYS"})
    if request.method == "POST" and form.is_valid():
        payload = operations.run(request, "PostNeed", {"input": form.variables()})["postNeed"]
        if not payload["errors"]:
            messages.success(request, _("The need is posted."))
            return HttpResponseRedirect(reverse("frontend:worker-needs"))
        apply_errors(form, payload["errors"])
    return render_page(request, "frontend/worker/need_form.html", {"form": form.mark_errors(), "need": None})


@page(WORKER)
def need_detail(request: HttpRequest, nid: str) -> HttpResponse:
    """The need with its served share and unserved reasons; its editable fields (updateNeed)."""
    need = found(operations.run(request, "NeedDetail", {"id": unslug(nid)})["node"])
    form = NeedForm(request.POST or None, editing=True, initial=need)
    if request.method == "POST" and form.is_valid():
        payload = operations.run(request, "UpdateNeed", {"input": {"needId": need["id"], **form.variables()}})[
            "updateNeed"]
        if not payload["errors"]:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("frontend:need", args=[nid]))
        apply_errors(form, payload["errors"], {"needId": "__all__"})
    return render_page(request, "frontend/worker/need.html", {
        "need": need, "form": form.mark_errors(), "close_form": CloseNeedForm()})


@page(WORKER)
def close_need(request: HttpRequest, nid: str) -> HttpResponse:
    need = found(operations.run(request, "NeedDetail", {"id": unslug(nid)})["node"])
    form = CloseNeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        payload = operations.run(request, "CloseNeed", {"input": {"needId": need["id"],
                                                                  "reason": form.cleaned_data["reason"]}})
        errors = payload["closeNeed"]["errors"]
        if not errors:
            messages.success(request, _("The need is closed."))
            return HttpResponseRedirect(reverse("frontend:worker-needs"))
        apply_errors(form, errors, {"needId": "__all__"})
    return render_page(request, "frontend/worker/need.html", {
        "need": need, "form": NeedForm(initial=need, editing=True), "close_form": form.mark_errors()})


@page(WORKER)
def allocations(request: HttpRequest) -> HttpResponse:
    community = _community_id(request)
    result = operations.run(request, "CommunityAllocations", {"community": community,
                                                              "after": request.GET.get("after") or None})
    last = timeutil.today()
    first = last - dt.timedelta(days=90)
    rate = operations.run(request, "CommunityServedRate", {"community": community, "from": first.isoformat(),
                                                           "to": last.isoformat()})["node"] or {}
    rows = result["allocations"]
    waiting = operations.run(request, "CommunityAllocations", {"community": community, "status": "PROPOSED"})
    return render_page(request, "frontend/worker/allocations.html", {
        "rows": [e["node"] for e in rows["edges"]], "page_info": rows["pageInfo"],
        "waiting": waiting["allocations"]["totalCount"],
        "served_rate": rate.get("servedRate"), "first": first, "last": last})
