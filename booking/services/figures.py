"""Figures of use (a service: GraphQL only shapes them), over the period's open slots derived from
opening hours — computed from the rows, never counters kept by hand.

- capacity: every occurrence of every opening window in the period (the holiday calendar applied),
  at the slot's capacity, less the capacity of stored slots that were closed;
- booked: the quantity of bookings that took capacity (PENDING, CONFIRMED, CHECKED_IN, NO_SHOW);
- checkedIn / noShows / bookings: from the booking rows.
A fixed number of queries for any number of resources; the expansion of windows is by day, in Python,
once per window (not per slot row).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from booking.models import Booking, BookingStatus, Slot
from core.clock import at, local_date
from core.errors import ErrorCode, ServiceError
from marketplace.models import BookingMode, Resource, WorkUnit

from .hours import window_opens_on
from .slots import windows_by_resource

TAKES_CAPACITY = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)
SHARED = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)
PERIOD_MAX_DAYS = 366


@dataclass
class Figures:
    capacity: int = 0
    booked: int = 0
    checked_in: int = 0
    no_shows: int = 0
    bookings: int = 0
    quantity: int = 0
    hours: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        self.capacity += other.capacity
        self.booked += other.booked
        self.checked_in += other.checked_in
        self.no_shows += other.no_shows
        self.bookings += other.bookings
        self.quantity += other.quantity
        self.hours += other.hours

    @property
    def utilisation(self) -> float:
        return round(self.booked / self.capacity, 4) if self.capacity else 0.0


def check_days(first_day: dt.date, last_day: dt.date, longest: int = PERIOD_MAX_DAYS) -> None:
    """Raises ServiceError (INVALID) for a reversed period or one longer than `longest` days."""
    if last_day < first_day or (last_day - first_day).days + 1 > longest:
        raise ServiceError.of(ErrorCode.INVALID, _("The period must end on or after its first day and span at "
                                                   "most 366 days."))


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _days(first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    return [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]


def figures(resources: Iterable[Resource], first_day: dt.date, last_day: dt.date, *, weekly: bool = False
            ) -> dict[tuple[int, dt.date | None], Figures]:
    """{(resource id, week start or None): Figures} for the local days [first_day, last_day]."""
    by_id = {r.pk: r for r in resources}
    out: dict[tuple[int, dt.date | None], Figures] = defaultdict(Figures)
    if not by_id:
        return out
    start, end = at(first_day, dt.time()), at(last_day + dt.timedelta(days=1), dt.time())
    days = _days(first_day, last_day)

    def key(rid: int, day: dt.date) -> tuple[int, dt.date | None]:
        return rid, (week_of(day) if weekly else None)

    for rid, windows in windows_by_resource(by_id).items():
        resource = by_id[rid]
        for window in windows:
            per_slot = 1 if resource.booking_mode == BookingMode.EXCLUSIVE else (window.capacity or resource.capacity)
            for day in days:
                if window_opens_on(window, day, resource.follows_holiday_calendar):
                    out[key(rid, day)].capacity += per_slot
    closed = Slot.objects.filter(resource_id__in=list(by_id), start__gte=start, start__lt=end, closed=True)
    for rid, slot_start, capacity in closed.values_list("resource_id", "start", "capacity"):
        out[key(rid, local_date(slot_start))].capacity -= capacity
    rows = (Booking.objects.filter(resource_id__in=list(by_id), start__gte=start, start__lt=end,
                                   status__in=TAKES_CAPACITY)
            .values("resource_id", "start", "end", "status").annotate(q=Sum("quantity"), n=Count("id")))
    for row in rows:
        f = out[key(row["resource_id"], local_date(row["start"]))]
        quantity, count, status = int(row["q"] or 0), int(row["n"]), row["status"]
        f.booked += quantity
        if status == BookingStatus.CHECKED_IN:
            f.checked_in += quantity
        if status == BookingStatus.NO_SHOW:
            f.no_shows += quantity
        if status in SHARED:
            f.bookings += count
            f.quantity += quantity
            f.hours += quantity * (row["end"] - row["start"]).total_seconds() / 3600
    for f in out.values():
        f.capacity = max(f.capacity, 0)
    return out


def contribution(unit: WorkUnit, first_day: dt.date, last_day: dt.date) -> list[dict[str, Any]]:
    """What the unit shared in the period, one line per category it has resources of."""
    check_days(first_day, last_day)
    resources = list(Resource.objects.filter(unit=unit))
    found = figures(resources, first_day, last_day)
    by_category: dict[str, Figures] = {}
    for r in sorted(resources, key=lambda r: r.category):
        by_category.setdefault(r.category, Figures()).add(found.get((r.pk, None), Figures()))
    return [{"category": c, "bookings": f.bookings, "quantity": f.quantity, "hours": round(f.hours, 2)}
            for c, f in by_category.items()]


def utilisation_by_week(resource_ids: list[int], first_day: dt.date, last_day: dt.date
                        ) -> dict[int, list[dict[str, Any]]]:
    """Weekly points (weeks start on Monday) over the period, for each resource."""
    check_days(first_day, last_day)
    resources = list(Resource.objects.filter(pk__in=resource_ids))
    found = figures(resources, first_day, last_day, weekly=True)
    weeks = sorted({week_of(d) for d in _days(first_day, last_day)})
    return {rid: [{"week_start": w, "capacity": found[(rid, w)].capacity, "booked": found[(rid, w)].booked,
                   "checked_in": found[(rid, w)].checked_in, "no_shows": found[(rid, w)].no_shows}
                  for w in weeks] for rid in resource_ids}
