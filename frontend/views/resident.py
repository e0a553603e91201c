"""Resident pages: find resources, a resource's week, book, my bookings, notifications, needs, my data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from frontend import labels, operations
from frontend.forms import BookForm, CancelForm, DeleteMyDataForm, FindForm
from frontend.operations import unslug
from frontend.timeutil import iso, monday_of, now, parse_date, parse_datetime, start_of_day, today

from .base import apply_errors, found, page, render_page, roles_of, viewer

RESIDENT = "RESIDENT"
SEARCH_RADIUS_M = 5000


def _period(when: str) -> tuple[str | None, str | None]:
    if when == "today":
        return iso(now()), iso(start_of_day(today() + dt.timedelta(days=1)))
    if when == "week":
        return iso(now()), iso(now() + dt.timedelta(days=7))
    return None, None


@page(login=False)
def resources(request: HttpRequest) -> HttpResponse:
    """Resources with free places today or this week; nearest to the resident's home first."""
    form = FindForm(request.GET or {"when": "week", "near_home": True})
    rows: list[dict[str, Any]] = []
    total = 0
    page_info: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        start, end = _period(data.get("when") or "week")
        variables = {"category": data.get("category") or None, "availableFrom": start, "availableTo": end,
                     "search": data.get("search") or None, "after": request.GET.get("after") or None}
        me = viewer(request)
        home = (me or {}).get("community") or {}
        if data.get("near_home") and home.get("location"):
            variables.update(near=home["location"], radiusM=SEARCH_RADIUS_M)
            result = operations.run(request, "FindResources", variables)["resources"]
        else:
            result = operations.run(request, "FindResourcesAnywhere", variables)["resources"]
        rows = [edge["node"] for edge in result["edges"]]
        total, page_info = result["totalCount"], result["pageInfo"]
    order = list(labels.CATEGORY)
    groups = [{"category": c, "rows": [r for r in rows if r["category"] == c]} for c in order]
    return render_page(request, "frontend/resident/resources.html", {
        "form": form.mark_errors(), "groups": [g for g in groups if g["rows"]], "total": total,
        "page_info": page_info})


def _week_start(request: HttpRequest) -> dt.date:
    chosen = parse_date(request.GET.get("week", ""))
    return monday_of(chosen or today())


@page(login=False)
def resource(request: HttpRequest, rid: str) -> HttpResponse:
    """Opening hours and a week grid of what remains (remaining as the viewer may book it)."""
    week = _week_start(request)
    start = start_of_day(week)
    node = found(operations.run(request, "ResourcePage", {
        "id": unslug(rid), "from": iso(start), "to": iso(start + dt.timedelta(days=7))})["node"])
    days: list[dict[str, Any]] = [{"date": week + dt.timedelta(days=i), "slots": [],
                                   "past": week + dt.timedelta(days=i) < today()} for i in range(7)]
    for slot in node["slots"]:
        begins = parse_datetime(slot["start"])
        if begins is not None:
            days[(begins.date() - week).days % 7]["slots"].append(slot)
    return render_page(request, "frontend/resident/resource.html", {
        "resource": node, "days": days, "week": week,
        "prev_week": week - dt.timedelta(days=7), "next_week": week + dt.timedelta(days=7),
        "this_week": monday_of(today()),
        # a worker booking for one resident (from the resident's page) keeps them chosen on the way
        "for_resident": "".join(ch for ch in request.GET.get("for", "") if ch.isalnum() or ch in "-_")[:64],
    })


def slot_at(request: HttpRequest, rid: str, start_text: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The resource and its slot starting at `start_text` (None when no slot starts then)."""
    begins = parse_datetime(start_text)
    if begins is None:
        raise Http404
    node = dict(found(operations.run(request, "ResourcePage", {
        "id": unslug(rid), "from": iso(begins), "to": iso(begins + dt.timedelta(days=1))})["node"]))
    slot = next((s for s in node["slots"] if parse_datetime(s["start"]) == begins), None)
    return node, slot


@page(RESIDENT)
def book(request: HttpRequest, rid: str) -> HttpResponse:
    """The booking form of one slot; POST runs bookSlot and shows its errors next to the fields."""
    start_text = request.POST.get("start") or request.GET.get("start", "")
    node, slot = slot_at(request, rid, start_text)
    begins = parse_datetime(start_text)
    full = slot is not None and slot["state"] == "FULL"
    initial = {"start": start_text, "quantity": 1, "weekdays": [begins.weekday()] if begins else [],
               "joinWaitlist": full}
    if request.method == "POST":
        form = BookForm(request.POST, resource=node, full=full)
        if form.is_valid():
            result = operations.run(request, "BookSlot", {"input": form.variables(node["id"])})["bookSlot"]
            if not result["errors"]:
                booking = result["booking"] or {}
                if booking.get("status") == "WAITLISTED":
                    messages.success(request, _("You are number %(n)s on the waiting list. We will tell you "
                                                "when a place is free.") % {"n": booking.get("waitlistPosition")
                                                                            or 1})
                elif booking.get("status") == "PENDING":
                    messages.success(request, _("Your request was sent. The unit will approve it."))
                else:
                    messages.success(request, _("Booked. Show your check-in code at the entrance."))
                return HttpResponseRedirect(reverse("frontend:my-bookings"))
            apply_errors(form, result["errors"], {"start": "__all__", "resourceId": "__all__",
                                                  "slots": "__all__", "forResidents": "__all__"})
    else:
        form = BookForm(initial=initial, resource=node, full=full)
    return render_page(request, "frontend/resident/book.html", {
        "resource": node, "slot": slot, "form": form.mark_errors(), "full": full, "start": start_text,
        "held": (slot or {}).get("myBooking")})


@page(RESIDENT)
def my_bookings(request: HttpRequest) -> HttpResponse:
    """Upcoming bookings (with the QR code of the check-in code) and the recent past."""
    upcoming = operations.run(request, "MyBookings", {
        "from": iso(now() - dt.timedelta(hours=3)),
        "statuses": ["PENDING", "CONFIRMED", "WAITLISTED", "CHECKED_IN"]})["myBookings"]
    # earlier: what is over, and what was cancelled or refused (also of days still to come)
    over = operations.run(request, "MyBookings", {
        "from": iso(now() - dt.timedelta(days=60)), "to": iso(now()),
        "statuses": ["CHECKED_IN", "NO_SHOW", "CONFIRMED"]})["myBookings"]
    ended = operations.run(request, "MyBookings", {
        "from": iso(now() - dt.timedelta(days=60)), "statuses": ["CANCELLED", "REJECTED"]})["myBookings"]
    shown = {e["node"]["id"] for e in upcoming["edges"]}
    past = [e["node"] for e in [*over["edges"], *ended["edges"]] if e["node"]["id"] not in shown]
    past.sort(key=lambda b: b["start"], reverse=True)
    return render_page(request, "frontend/resident/bookings.html", {
        "upcoming": [e["node"] for e in upcoming["edges"]], "past": past})


@page(RESIDENT, "COMMUNITY_WORKER")
def booking_detail(request: HttpRequest, bid: str) -> HttpResponse:
    node = found(operations.run(request, "BookingDetail", {"id": unslug(bid)})["node"])
    return render_page(request, "frontend/resident/booking.html", {"booking": node})


@page(RESIDENT)
def cancel_booking(request: HttpRequest, bid: str) -> HttpResponse:
    """GET asks to confirm; POST cancels (the whole standing booking when asked)."""
    node = found(operations.run(request, "BookingDetail", {"id": unslug(bid)})["node"])
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        variables = {"bookingId": node["id"], "reason": form.cleaned_data.get("reason") or None,
                     "wholeStanding": form.cleaned_data.get("wholeStanding") or None}
        result = operations.run(request, "CancelBooking", {"input": {
            k: v for k, v in variables.items() if v is not None}})["cancelBooking"]
        if not result["errors"]:
            messages.success(request, _("The booking is cancelled."))
            return HttpResponseRedirect(reverse("frontend:my-bookings"))
        apply_errors(form, result["errors"], {"bookingId": "__all__"})
    return render_page(request, "frontend/resident/cancel.html", {"booking": node, "form": form.mark_errors()})


@page()
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        operations.run(request, "MarkNotificationsRead", {"input": {"all": True}})
        return HttpResponseRedirect(reverse("frontend:notifications"))
    result = operations.run(request, "MyNotifications", {"after": request.GET.get("after") or None})
    box = result["myNotifications"]
    return render_page(request, "frontend/resident/notifications.html", {
        "rows": [e["node"] for e in box["edges"]], "unread": box["unreadCount"], "page_info": box["pageInfo"]})


@page(RESIDENT)
def needs(request: HttpRequest) -> HttpResponse:
    """My community's needs; "me too" adds the resident's voice (supportNeed)."""
    me = viewer(request) or {}
    community = (me.get("community") or {}).get("id")
    result = operations.run(request, "CommunityNeeds", {"community": community})["needs"]
    return render_page(request, "frontend/resident/needs.html", {"rows": [e["node"] for e in result["edges"]]})


@page(RESIDENT)
def support_need(request: HttpRequest, nid: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseRedirect(reverse("frontend:needs"))
    support = request.POST.get("support") == "1"
    result = operations.run(request, "SupportNeed", {"input": {"needId": unslug(nid), "support": support}})
    payload = result["supportNeed"]
    if payload["errors"]:
        messages.error(request, payload["errors"][0]["message"])
    if request.htmx and payload["need"]:  # type: ignore[attr-defined]
        return render_page(request, "frontend/resident/_support.html", {"need": payload["need"]})
    return HttpResponseRedirect(reverse("frontend:needs"))


def may_delete_own_account(request: HttpRequest) -> bool:
    """Self-service deletion is for residents; accounts with a work role are closed by the district."""
    return not (roles_of(request) - {RESIDENT})


@page()
def my_data(request: HttpRequest) -> HttpResponse:
    """What the system holds about me; `?download=1` gives it as a JSON file (myData, PIPL)."""
    if request.GET.get("download"):
        exported = json.loads(operations.run(request, "MyDataExport")["myData"] or "{}")
        response = HttpResponse(json.dumps(exported, ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
    data = operations.run(request, "MyData")
    return render_page(request, "frontend/resident/my_data.html", {
        "me_data": data.get("me") or {}, "booking_rows": [e["node"] for e in data["myBookings"]["edges"]],
        "notifications": len(data["myNotifications"]["edges"]),
        "bookings": data["myBookings"]["totalCount"], "may_delete": may_delete_own_account(request)})


@page()
def rotate_calendar(request: HttpRequest) -> HttpResponse:
    """POST: a new secret calendar address (rotateCalendarSecret); the old one stops working. With
    `booking`, that booking's .ics address; otherwise the viewer's own feed."""
    booking = request.POST.get("booking") or ""
    back = reverse("frontend:booking", args=[booking]) if booking else reverse("frontend:my-data")
    if request.method != "POST":
        return HttpResponseRedirect(back)
    variables = {"bookingId": unslug(booking)} if booking else {}
    payload = operations.run(request, "RotateCalendarSecret", {"input": variables})["rotateCalendarSecret"]
    if payload["errors"]:
        messages.error(request, payload["errors"][0]["message"])
    else:
        messages.success(request, _("The calendar address is changed. The old address no longer works; add "
                                    "the new one to your calendar."))
    return HttpResponseRedirect(back)


@page()
def delete_my_data(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST deletes (deleteMyData) and ends the session."""
    if not may_delete_own_account(request):
        raise Http404
    form = DeleteMyDataForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        payload = operations.run(request, "DeleteMyData", {"input": {"confirm": True}})["deleteMyData"]
        if payload["deleted"] and not payload["errors"]:
            logout(request)
            messages.success(request, _("Your data is deleted and your account is closed."))
            return HttpResponseRedirect(reverse("frontend:home"))
        apply_errors(form, payload["errors"])
    return render_page(request, "frontend/resident/delete_my_data.html", {"form": form.mark_errors()})
