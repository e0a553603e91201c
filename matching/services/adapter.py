"""The only ORM adapter of the solver: database -> `solver.Problem`, `solver.Solution` -> rows.

`load_problem` reads, for a run's scope and horizon:
- needs: open, in the scope's communities, with an occurrence in the horizon; their quantity is what is
  still open (ACCEPTED allocations are quota already and are subtracted, never optimised);
- resources: every listed resource of those categories (a subdistrict's needs may use resources across
  its border); blocks are the resource's opening windows in order;
- free capacity per block and date from the booking app's slots (stored, or virtual beyond the stored
  horizon): capacity - booked - held, which already takes out bookings and accepted allocations' quota;
  open proposals of needs outside the scope are taken out too, so a subdistrict run does not promise what
  another scope's proposal holds;
- the previous proposals of the scope's needs (stability) and the declined (need, resource) pairs.
`rows_of` turns a Solution back into plain allocation and reason rows (a worker returns them with its
group); `insert_rows` writes a run's rows (COPY on PostgreSQL).
Keys: needs "n<id>", resources "r<id>", communities "c<id>".
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Sum

from booking.services.hours import WindowSpec
from booking.services.slots import slot_capacity, slots_between, windows_by_resource
from core.clock import at, local_date, tz
from marketplace.models import Community, Resource, ResourceCategory
from matching import solver
from matching.models import Allocation, AllocationStatus, MatchRun, Need, UnservedReason

OUTLINE_CAPACITY = 1_000_000_000  # a block's capacity in the outline: more than any need's units


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _hhmm(t: dt.time) -> str:
    return t.strftime("%H:%M")


@dataclass
class Keys:
    """What the rows need back from solver keys: each resource's blocks and the horizon."""

    horizon_start: dt.date
    horizon_end: dt.date
    blocks: dict[str, list[list[Any]]] = field(default_factory=dict)  # "r<id>" -> [[start, end, next, days]]

    def to_dict(self) -> dict[str, Any]:
        return {"horizon": [self.horizon_start.isoformat(), self.horizon_end.isoformat()], "blocks": self.blocks}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Keys:
        start, end = data["horizon"]
        return cls(dt.date.fromisoformat(start), dt.date.fromisoformat(end), data["blocks"])


def horizon_of(run: MatchRun) -> tuple[dt.date, dt.date]:
    """From the run's first day, `horizon_days` days inclusive."""
    return run.horizon_start, run.horizon_start + dt.timedelta(days=run.horizon_days - 1)


def scope_needs(run: MatchRun) -> Any:
    start, end = horizon_of(run)
    qs = Need.objects.open().filter(ends_on__gte=start, starts_on__lte=end)
    if run.scope_id is not None:
        qs = qs.filter(community__subdistrict_id=run.scope_id)
    return qs


def _has_occurrence(need: Need, start: dt.date, end: dt.date) -> bool:
    lo, hi = max(start, need.starts_on), min(end, need.ends_on)
    days = set(need.weekdays)
    return any((lo + dt.timedelta(days=i)).weekday() in days for i in range(min(7, (hi - lo).days + 1)))


def _block_of(specs: list[WindowSpec], start_time: dt.time, weekday: int | None = None) -> int | None:
    for i, w in enumerate(specs):
        if w.start_time == start_time and (weekday is None or weekday in w.weekdays):
            return i
    return None


def load_problem(run: MatchRun, *, need_ids: Collection[int] | None = None,
                 resource_ids: Collection[int] | None = None, capacity: bool = True,
                 category: str | None = None) -> tuple[solver.Problem, Keys]:
    """The solver's input for the run (see the module docstring). Reads only.

    `need_ids` / `resource_ids` restrict it to those needs and resources (one group of a run, loaded by the
    worker that solves it; the previous proposals of its needs are read whatever their resource). Without
    `capacity` no free capacity is read and every block holds `OUTLINE_CAPACITY`: the outline a run is
    grouped by (every candidate of the real problem is one of the outline's). `category` keeps only the
    needs (and so the resources) of that category."""
    h_start, h_end = horizon_of(run)
    qs = scope_needs(run) if category is None else scope_needs(run).filter(category=category)
    if need_ids is not None:
        qs = qs.filter(pk__in=list(need_ids))
    needs = [n for n in qs.with_served().order_by("id") if _has_occurrence(n, h_start, h_end)]
    accepted = {n.pk: n.served_quantity for n in needs}
    needs = [n for n in needs if accepted[n.pk] < n.quantity and not (n.category == "HALL" and accepted[n.pk])]
    categories = sorted({n.category for n in needs})
    listed = Resource.objects.listed().filter(category__in=categories)
    resources = list((listed if resource_ids is None else listed.filter(pk__in=list(resource_ids))).order_by("id"))
    specs = windows_by_resource([r.pk for r in resources])
    resources = [r for r in resources if specs.get(r.pk)]
    need_set = {n.pk for n in needs}
    # the whole scope (a run's outline): the scope's query, not tens of thousands of ids in an IN list
    of_needs: Any = need_set if need_ids is not None else qs.values("pk")
    comm_ids = {n.community_id for n in needs}
    communities = Community.objects.filter(pk__in=comm_ids).order_by("id")
    if capacity:
        reserved = _reserved_elsewhere(run, [r.pk for r in resources])
        free_rows, keys = _capacity(resources, specs, reserved, h_start, h_end)
    else:
        free_rows, keys = [], Keys(h_start, h_end)
    blocks_by_res: dict[int, tuple[solver.Block, ...]] = {}
    for r in resources:
        blocks_by_res[r.pk] = tuple(
            solver.Block(i, tuple(w.weekdays), _minutes(w.start_time), _minutes(w.end_time), w.ends_next_day,
                         slot_capacity(r, w) if capacity else OUTLINE_CAPACITY, w.sex)
            for i, w in enumerate(specs[r.pk]))
    problem = solver.Problem(
        communities=tuple(solver.Community(f"c{c.pk}", c.lat, c.lon, str(c.subdistrict_id)) for c in communities),
        resources=tuple(solver.Resource(f"r{r.pk}", r.category, r.lat, r.lon, blocks_by_res[r.pk],
                                        capacity=r.capacity, target_group=r.target_group, unit_key=str(r.unit_id))
                        for r in resources),
        needs=tuple(solver.Need(
            f"n{n.pk}", f"c{n.community_id}", n.category,
            n.quantity if n.category == ResourceCategory.HALL else n.quantity - accepted[n.pk],
            tuple(n.weekdays), _minutes(n.start_time), _minutes(n.end_time) or (1440 if not n.ends_next_day else 0),
            n.ends_next_day, n.target_group, n.max_distance_m, n.priority, "ANY",
            n.starts_on.isoformat(), n.ends_on.isoformat()) for n in needs),
        free_capacity=tuple(free_rows),
        previous=tuple(_previous(need_set, of_needs, specs, None if resource_ids is None else categories)),
        declined=tuple(sorted({(f"n{a}", f"r{b}") for a, b in Allocation.objects.filter(
            need_id__in=of_needs, status=AllocationStatus.DECLINED).values_list("need_id", "resource_id")
            if a in need_set})),
        horizon_start=h_start.isoformat(), horizon_end=h_end.isoformat(),
    )
    keys.blocks = {f"r{r.pk}": [[_hhmm(w.start_time), _hhmm(w.end_time), w.ends_next_day, list(w.weekdays)]
                                for w in specs[r.pk]] for r in resources}
    return problem, keys


def load_outline(run: MatchRun, category: str | None = None) -> tuple[solver.Problem, Keys]:
    """The run's problem (or one category's of it) without free capacity (see `load_problem`): what a
    run is grouped by."""
    return load_problem(run, capacity=False, category=category)


def _reserved_elsewhere(run: MatchRun, resource_ids: list[int]) -> dict[tuple[int, dt.time], list[Allocation]]:
    """Open proposals of needs outside the run's scope (they keep their capacity)."""
    if run.scope_id is None:
        return {}
    out: dict[tuple[int, dt.time], list[Allocation]] = defaultdict(list)
    qs = (Allocation.objects.proposed().filter(resource_id__in=resource_ids)
          .exclude(need__community__subdistrict_id=run.scope_id).select_related("resource"))
    for a in qs:
        out[(a.resource_id, a.start_time)].append(a)
    return out


def _capacity(resources: list[Resource], specs: dict[int, list[WindowSpec]],
              reserved: dict[tuple[int, dt.time], list[Allocation]], start: dt.date,
              end: dt.date) -> tuple[list[solver.FreeCapacity], Keys]:
    """Per-date free capacity rows where it differs from the block's capacity."""
    by_id = {r.pk: r for r in resources}
    rows: list[solver.FreeCapacity] = []
    views = slots_between(list(by_id), at(start, dt.time()), at(end + dt.timedelta(days=1), dt.time()))
    for v in views:
        if v.closed:
            continue  # a closure is an exception of one day: the quota rule skips it
        local = v.start.astimezone(tz())
        day, time = local.date(), local.time().replace(tzinfo=None)
        b = _block_of(specs[v.resource_id], time, day.weekday())
        if b is None:
            continue
        block_cap = slot_capacity(by_id[v.resource_id], specs[v.resource_id][b])
        held_elsewhere = sum(a.units for a in reserved.get((v.resource_id, time), ())
                             if a.starts_on <= day <= a.ends_on and day.weekday() in a.weekdays)
        free = max(0, v.open_remaining - held_elsewhere)
        if free != block_cap:
            rows.append(solver.FreeCapacity(f"r{v.resource_id}", b, day.isoformat(), free))
    return rows, Keys(start, end)


def _previous(need_ids: set[int], of_needs: Any, specs: dict[int, list[WindowSpec]],
              categories: list[str] | None = None) -> list[solver.PreviousAllocation]:
    """The needs' open proposals on blocks of listed resources; `of_needs` selects them in SQL (the ids,
    or a query of a superset). `categories`: `specs` holds only some of those resources (a group's); the
    others' windows are read here."""
    found = [a for a in Allocation.objects.proposed().filter(need_id__in=of_needs).select_related("resource")
             .order_by("id") if a.need_id in need_ids]  # the resource: `units` reads its category
    if categories is not None:
        missing = {a.resource_id for a in found} - set(specs)
        if missing:
            other = Resource.objects.listed().filter(pk__in=missing, category__in=categories)
            specs = {**specs, **windows_by_resource(list(other.values_list("pk", flat=True)))}
    out = []
    for a in found:
        b = _block_of(specs.get(a.resource_id, []), a.start_time)
        if b is not None:
            out.append(solver.PreviousAllocation(f"n{a.need_id}", f"r{a.resource_id}", b, a.units))
    return out


# --- back to rows -------------------------------------------------------------------------------------------
# An allocation row: need, community, resource, quantity, distance, weekdays, block index, start and end
# ("HH:MM"), ends next day, first and last date (ISO). A reason row: need, code, quantity, detail, blocking need.
AllocationRow = list[Any]
ReasonRow = list[Any]


def rows_of(found: Iterable[solver.Allocation], unserved: Iterable[solver.UnservedReason],
            keys: Keys) -> tuple[list[AllocationRow], list[ReasonRow]]:
    """Plain (JSON-able) rows of a solution's allocations (in need units) and reasons (per need)."""
    found, unserved = list(found), list(unserved)
    need_ids = {int(a.need_key[1:]) for a in found} | {int(u.need_key[1:]) for u in unserved}
    needs = {n.pk: n for n in Need.objects.filter(pk__in=need_ids)}
    allocations = []
    for a in found:
        need = needs[int(a.need_key[1:])]
        start, end, next_day, _days = keys.blocks[a.resource_key][a.block_index]
        b_start = dt.time.fromisoformat(start)
        offset = 1 if _minutes(b_start) < _minutes(need.start_time) else 0
        first = max(need.starts_on, keys.horizon_start) + dt.timedelta(days=offset)
        last = min(need.ends_on, keys.horizon_end) + dt.timedelta(days=offset)
        allocations.append([
            need.pk, need.community_id, int(a.resource_key[1:]),
            need.quantity if need.category == ResourceCategory.HALL else a.quantity, a.distance_m,
            sorted((d + offset) % 7 for d in need.weekdays), a.block_index, start, end, bool(next_day),
            first.isoformat(), last.isoformat()])
    reasons = []
    for u in unserved:
        need = needs[int(u.need_key[1:])]
        reasons.append([need.pk, u.code, need.quantity if need.category == ResourceCategory.HALL else u.quantity,
                        u.message[:300], int(u.blocking_need_keys[0][1:]) if u.blocking_need_keys else None])
    return allocations, reasons


def _allocation(run: MatchRun, row: AllocationRow) -> Allocation:
    need, community, resource, quantity, distance, weekdays, block, start, end, next_day, first, last = row
    return Allocation(need_id=need, community_id=community, resource_id=resource, match_run=run, quantity=quantity,
                      distance_m=distance, weekdays=weekdays, block_index=block,
                      start_time=dt.time.fromisoformat(start), end_time=dt.time.fromisoformat(end),
                      ends_next_day=next_day, starts_on=dt.date.fromisoformat(first),
                      ends_on=dt.date.fromisoformat(last))


def _reason(run: MatchRun, row: ReasonRow) -> UnservedReason:
    need, code, quantity, detail, blocking = row
    return UnservedReason(need_id=need, match_run=run, code=code, quantity=quantity, detail=detail,
                          blocking_need_id=blocking)


def insert_rows(run: MatchRun, allocations: list[AllocationRow], reasons: list[ReasonRow]) -> None:
    """Inserts the rows as the run's PROPOSED allocations and its reasons, in the caller's transaction:
    with COPY on PostgreSQL (tens of thousands of rows in about a second), in batches elsewhere."""
    if connection.vendor != "postgresql":
        Allocation.objects.bulk_create([_allocation(run, r) for r in allocations], batch_size=1000)
        UnservedReason.objects.bulk_create([_reason(run, r) for r in reasons], batch_size=1000)
        return
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {Allocation._meta.db_table} (need_id, community_id, resource_id, match_run_id, "
                      "quantity, distance_m, weekdays, block_index, start_time, end_time, ends_next_day, starts_on, "
                      "ends_on, status, decline_reason) FROM STDIN") as copy:
            for (need, community, resource, quantity, distance, weekdays, block, start, end, next_day, first,
                 last) in allocations:
                copy.write_row((need, community, resource, run.pk, quantity, distance, json.dumps(weekdays), block,
                                start, end, next_day, first, last, AllocationStatus.PROPOSED.value, ""))
        with raw.copy(f"COPY {UnservedReason._meta.db_table} (need_id, match_run_id, code, quantity, detail, "
                      "blocking_need_id) FROM STDIN") as copy:
            for need, code, quantity, detail, blocking in reasons:
                copy.write_row((need, run.pk, code, quantity, detail, blocking))


def served_before(need_ids: list[int]) -> dict[int, int]:
    rows = (Allocation.objects.accepted().filter(need_id__in=need_ids).values("need_id")
            .annotate(q=Sum("quantity")))
    return {r["need_id"]: int(r["q"]) for r in rows}


__all__ = ["Keys", "horizon_of", "insert_rows", "load_outline", "load_problem", "local_date", "rows_of", "scope_needs"]
