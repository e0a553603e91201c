"""The home page and the sign-in pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from frontend import operations, timeutil

from .base import page, render_page, roles_of

TONIGHT_FROM = dt.time(17)


@page(login=False)
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors: what is open near them now (today's canteen sittings with places left and
    tonight's parking, near the district's centre or a chosen subdistrict), the district's figures and how
    to take part. Signed in: the tasks of each role."""
    if request.user.is_authenticated:
        unread = 0
        if "RESIDENT" in roles_of(request):
            unread = operations.run(request, "UnreadCount")["myNotifications"]["unreadCount"]
        return render_page(request, "frontend/home.html", {"unread": unread})
    return render_page(request, "frontend/home.html", open_now(request))


def open_now(request: HttpRequest) -> dict[str, Any]:
    data = operations.run(request, "HomeFigures")
    subdistricts = data["subdistricts"]
    chosen = next((s for s in subdistricts if s["id"] == request.GET.get("near")), None)
    if chosen is not None:
        near = chosen["centre"]
    elif subdistricts:  # the district's centre: the mean of its subdistricts' centres
        near = {"lat": sum(s["centre"]["lat"] for s in subdistricts) / len(subdistricts),
                "lon": sum(s["centre"]["lon"] for s in subdistricts) / len(subdistricts)}
    else:
        near = None
    now = timeutil.now()
    day_end = timeutil.start_of_day(timeutil.today() + dt.timedelta(days=1))
    night = max(now, timeutil.start_of_day(timeutil.today()).replace(hour=TONIGHT_FROM.hour))
    canteens: list[dict[str, Any]] = []
    parking: list[dict[str, Any]] = []
    if near is not None:
        found = operations.run(request, "HomeOpenNow", {
            "near": near, "today": timeutil.iso(now), "todayEnd": timeutil.iso(day_end),
            "night": timeutil.iso(night), "nightEnd": timeutil.iso(day_end)})
        canteens = _with_open_slots(found["canteens"])
        parking = _with_open_slots(found["parking"])
    return {"figures": data["districtFigures"], "subdistricts": subdistricts, "chosen": chosen,
            "canteens": canteens, "parking": parking}


def _with_open_slots(connection: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for edge in connection["edges"]:
        node = dict(edge["node"])
        node["open_slots"] = [s for s in node["slots"] if s["state"] == "OPEN" and s["remaining"] > 0][:3]
        if node["open_slots"]:
            rows.append(node)
    return rows


class LoginView(auth_views.LoginView):
    template_name = "frontend/login.html"
    redirect_authenticated_user = True
    next_page = "/"


class LogoutView(auth_views.LogoutView):
    next_page = "/"
