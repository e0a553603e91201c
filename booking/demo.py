"""The demo's booking stages (registered in marketplace/demo/stages.py): opening hours from the
generator's windows, slots over the horizon, and some bookings of demo residents.

A bulk writer like marketplace/demo/loader.py: `bulk_create` inside load_demo's transaction, with the
counters set in memory before the rows are written, so I1 holds without a service call per booking.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import defaultdict

from schedule.models import Calendar, Event, Rule

from booking.models import Booking, BookingStatus, OpeningWindow, ResourceHours, Slot
from core.clock import at, tz
from marketplace.demo.district import GenResident, GenResource
from marketplace.demo.loader import DemoContext, Progress
from marketplace.demo.stages import DemoStage
from marketplace.models import BookingMode

from .services.hours import WindowSpec, expand
from .services.slots import horizon_end

BATCH = 2000
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"


def _specs(r: GenResource) -> list[WindowSpec]:
    return [WindowSpec(weekdays=w.weekdays, start_time=w.start, end_time=w.end, ends_next_day=w.ends_next_day,
                       capacity=w.capacity, sex=w.sex) for w in r.windows]


def load_hours(ctx: DemoContext, progress: Progress) -> None:
    """Calendar, Events (DAILY + byweekday) and OpeningWindows per resource."""
    d = ctx.district
    rules: dict[tuple[int, ...], Rule] = {}
    for r in d.resources:
        for w in r.windows:
            days = tuple(sorted(w.weekdays))
            if days not in rules:
                text = ",".join(map(str, days))
                rules[days], _created = Rule.objects.get_or_create(
                    name=f"days {text}"[:32], frequency="DAILY",
                    defaults={"params": f"byweekday:{text}", "description": f"DAILY on weekdays {text}"})
    calendars = Calendar.objects.bulk_create([Calendar(name=r.name[:200], slug=f"resource-{ctx.resources[r.key]}")
                                              for r in d.resources], batch_size=BATCH)
    last = horizon_end(ctx.today)
    ResourceHours.objects.bulk_create([ResourceHours(resource_id=ctx.resources[r.key], calendar=c,
                                                     materialised_until=last)
                                       for r, c in zip(d.resources, calendars, strict=True)], batch_size=BATCH)
    events, windows = [], []
    for r, calendar in zip(d.resources, calendars, strict=True):
        for position, w in enumerate(r.windows):
            start = at(ctx.today, w.start)
            end = at(ctx.today + dt.timedelta(days=1) if w.ends_next_day else ctx.today, w.end)
            events.append(Event(calendar=calendar, title=r.name[:255], start=start, end=end,
                                rule=rules[tuple(sorted(w.weekdays))]))
            windows.append(OpeningWindow(resource_id=ctx.resources[r.key], position=position,
                                         weekdays=list(w.weekdays), start_time=w.start, end_time=w.end,
                                         ends_next_day=w.ends_next_day, capacity=w.capacity, sex=w.sex))
    events = Event.objects.bulk_create(events, batch_size=BATCH)
    for window, event in zip(windows, events, strict=True):
        window.event_id = event.pk
    OpeningWindow.objects.bulk_create(windows, batch_size=BATCH)
    progress(len(d.resources))


def _eligible(r: GenResource, p: GenResident, day: dt.date) -> bool:
    if r.target_group == "ELDERLY":
        age = day.year - p.birth_date.year - ((day.month, day.day) < (p.birth_date.month, p.birth_date.day))
        return age >= 60
    return r.target_group != "DISABLED" or p.disabled


def load_slots_and_bookings(ctx: DemoContext, progress: Progress) -> None:
    """Slots for the horizon (holidays applied) and bookings for about half the demo residents:
    a lunch at a canteen of their subdistrict, some an overnight parking space."""
    d = ctx.district
    rng = random.Random(d.seed * 7919 + 3)
    window_ids: dict[tuple[int, int], int] = {
        (w.resource_id, w.position): w.pk for w in OpeningWindow.objects.all().only("pk", "resource_id", "position")}
    now = dt.datetime.combine(ctx.today, dt.time(), tzinfo=tz())
    last = horizon_end(ctx.today)
    slots: list[Slot] = []
    by_resource: dict[str, list[Slot]] = {}
    for r in d.resources:
        rid = ctx.resources[r.key]
        specs = _specs(r)
        mine = []
        for occ in expand(specs, ctx.today, last, r.follows_holiday_calendar):
            position = specs.index(occ.window)
            capacity = 1 if r.booking_mode == BookingMode.EXCLUSIVE else (occ.window.capacity or r.capacity)
            mine.append(Slot(resource_id=rid, start=occ.start, end=occ.end, capacity=capacity, sex=occ.window.sex,
                             window_id=window_ids.get((rid, position))))
        by_resource[r.key] = mine
        slots.extend(mine)
    bookings = _demo_bookings(ctx, rng, by_resource, now)
    Slot.objects.bulk_create(slots, batch_size=BATCH)
    progress(len(slots))
    for b in bookings:
        b.slot_id = b.slot.pk
    Booking.objects.bulk_create(bookings, batch_size=BATCH)
    progress(len(bookings))


def _demo_bookings(ctx: DemoContext, rng: random.Random, by_resource: dict[str, list[Slot]],
                   now: dt.datetime) -> list[Booking]:
    d = ctx.district
    unit_sub = {u.key: u.subdistrict_key for u in d.units}
    comm_sub = {c.key: c.subdistrict_key for c in d.communities}
    near: dict[tuple[str, str], list[GenResource]] = defaultdict(list)
    for r in d.resources:
        near[(unit_sub[r.unit_key], r.category)].append(r)
    week = now + dt.timedelta(days=7)
    codes: dict[int, set[str]] = defaultdict(set)
    out: list[Booking] = []
    booked_here: set[tuple[int, int]] = set()

    def add(r: GenResource, p: GenResident, user_id: int, slot: Slot, **extra: object) -> None:
        if (user_id, id(slot)) in booked_here:
            return
        booked_here.add((user_id, id(slot)))
        code = f"{rng.randrange(1_000_000):06d}"
        while code in codes[id(slot)]:
            code = f"{rng.randrange(1_000_000):06d}"
        codes[id(slot)].add(code)
        slot.booked += 1
        out.append(Booking(resource_id=ctx.resources[r.key], slot=slot, user_id=user_id,
                           community_id=ctx.communities[p.community_key], start=slot.start, end=slot.end, quantity=1,
                           status=BookingStatus.CONFIRMED, check_in_code=code, created_at=now, **extra))

    # The first unit (the demo unit admin's) gets a full-looking kitchen sheet, and the demo resident
    # (an elderly man of the first community) a few lunches there.
    first_unit = d.units[0].key
    showcase = next((r for r in d.resources if r.unit_key == first_unit and r.category == "CANTEEN"), None)
    if showcase is not None:
        me = dataclasses.replace(d.residents[0], key="demo-resident", community_key=d.communities[0].key,
                                 birth_date=dt.date(1950, 5, 12), sex="MALE", verified=True)
        upcoming = [s for s in by_resource[showcase.key] if s.start < week]
        for slot in upcoming[:3:2]:
            add(showcase, me, ctx.users["demo-resident"], slot, note="少盐 low salt")
        neighbours = [p for p in d.residents if p.verified and _eligible(showcase, p, ctx.today)][:25]
        for p in neighbours:
            slots = [s for s in upcoming[:2] if s.booked < s.capacity]
            if slots:
                add(showcase, p, ctx.residents[p.key], rng.choice(slots),
                    note="清真 halal" if rng.random() < 0.15 else "")
    for p in d.residents:
        if not p.verified or rng.random() < 0.5:
            continue
        user_id = ctx.residents[p.key]
        sub = comm_sub[p.community_key]
        canteens = near[(sub, "CANTEEN")]
        if canteens:
            r = rng.choice(canteens)
            choices = [s for s in by_resource[r.key] if s.start < week and s.booked < s.capacity
                       and _eligible(r, p, s.start.astimezone(tz()).date())]
            if choices:
                add(r, p, user_id, rng.choice(choices), note="清真" if rng.random() < 0.08 else "")
        lots = near[(sub, "PARKING")]
        if lots and rng.random() < 0.3:
            r = rng.choice(lots)
            choices = [s for s in by_resource[r.key] if s.start < week and s.booked < s.capacity]
            if choices:
                plate = "京" + rng.choice(PLATE_LETTERS) + f"{rng.randrange(100000):05d}"
                add(r, p, user_id, rng.choice(choices), plate_number=plate)
    return out


STAGES = (
    DemoStage("opening hours", 20, load_hours, lambda d: len(d.resources), (("opening windows", OpeningWindow),)),
    DemoStage("slots and bookings", 30, load_slots_and_bookings, lambda d: 60 * len(d.resources),
              (("slots", Slot), ("bookings", Booking))),
)
