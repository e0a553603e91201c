"""The kitchen sheet: per sitting of a day, how many to cook for, who came, and dietary notes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from booking.models import Booking, BookingStatus
from core.clock import at, current
from core.errors import ErrorCode, ServiceError
from marketplace.models import Resource, User

from .slots import SlotView, slots_between


@dataclass(frozen=True)
class DietCount:
    note: str
    diners: int  # places booked with this note (a booking of 2 with 清真 counts 2)


@dataclass
class KitchenSheetLine:
    slot: SlotView
    confirmed: int
    checked_in: int
    notes: list[str] = field(default_factory=list)
    provisional: bool = False  # before the booking cutoff the numbers can still change
    diet_counts: list[DietCount] = field(default_factory=list)


DIET_COUNTS_MAX = 50  # distinct notes a kitchen line lists (the most diners first)


def count_diets(rows: list[tuple[str, int]]) -> list[DietCount]:
    """(note, quantity) of bookings -> one DietCount per distinct note (trimmed, spaces collapsed),
    the most diners first, then by note."""
    totals: dict[str, int] = defaultdict(int)
    for note, quantity in rows:
        text = " ".join(note.split())
        if text:
            totals[text] += quantity
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [DietCount(note, n) for note, n in ranked[:DIET_COUNTS_MAX]]


def kitchen_sheet(*, viewer: User, resource: Resource, date: dt.date,
                  now: dt.datetime | None = None) -> list[KitchenSheetLine]:
    """Lines for each slot of `resource` starting on local `date`, ordered by start. `confirmed`
    counts CONFIRMED and CHECKED_IN quantities. Lines before the cutoff are flagged provisional.
    Raises ServiceError(PERMISSION_DENIED) unless the viewer is an admin or staff of the unit."""
    now = current(now)
    if not viewer.works_at_unit(resource.unit_id):
        raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only this unit's admins and staff see the sheet."))
    slots = slots_between([resource.pk], at(date, dt.time()), at(date + dt.timedelta(days=1), dt.time()))
    ids = [s.pk for s in slots if s.pk is not None]
    confirmed: dict[int, int] = defaultdict(int)
    checked: dict[int, int] = defaultdict(int)
    rows = (Booking.objects.filter(slot_id__in=ids, status__in=(BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN))
            .values("slot_id", "status").annotate(q=Sum("quantity")))
    for row in rows:
        confirmed[row["slot_id"]] += row["q"]
        if row["status"] == BookingStatus.CHECKED_IN:
            checked[row["slot_id"]] += row["q"]
    notes: dict[int, list[str]] = defaultdict(list)
    noted: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for slot_id, note, quantity in (
            Booking.objects.filter(slot_id__in=ids, status__in=(BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN))
            .exclude(note="").order_by("created_at", "id").values_list("slot_id", "note", "quantity")):
        notes[slot_id].append(note)
        noted[slot_id].append((note, quantity))
    return [KitchenSheetLine(slot=s, confirmed=confirmed.get(s.pk or 0, 0), checked_in=checked.get(s.pk or 0, 0),
                             notes=notes.get(s.pk or 0, []), provisional=now < resource.booking_closes_at(s.start),
                             diet_counts=count_diets(noted.get(s.pk or 0, [])))
            for s in slots]
