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
`to_rows` turns a Solution back into unsaved `Allocation` and `UnservedReason` rows.
Keys: needs "n<id>", resources "r<id>", communities "c<id>".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum

from booking.services.hours import WindowSpec
from booking.services.slots import slot_capacity, slots_between, windows_by_resource
from core.clock import at, local_date, tz
from marketplace.models import Community, Resource, ResourceCategory
from matching import solver
from matching.models import Allocation, AllocationStatus, MatchRun, Need, UnservedReason


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


def load_problem(run: MatchRun) -> tuple[solver.Problem, Keys]:
    """The solver's input for the run (see the module docstring). Reads only."""
    h_start, h_end = horizon_of(run)
    needs = [n for n in scope_needs(run).with_served().order_by("id")
             if _has_occurrence(n, h_start, h_end)]
    accepted = {n.pk: n.served_quantity for n in needs}
    needs = [n for n in needs if accepted[n.pk] < n.quantity and not (n.category == "HALL" and accepted[n.pk])]
    categories = sorted({n.category for n in needs})
    resources = list(Resource.objects.listed().filter(category__in=categories).order_by("id"))
    specs = windows_by_resource([r.pk for r in resources])
    resources = [r for r in resources if specs.get(r.pk)]
    need_ids = {n.pk for n in needs}
    comm_ids = {n.community_id for n in needs}
    communities = Community.objects.filter(pk__in=comm_ids).order_by("id")
    reserved = _reserved_elsewhere(run, [r.pk for r in resources])
    free_rows, keys = _capacity(resources, specs, reserved, h_start, h_end)
    blocks_by_res: dict[int, tuple[solver.Block, ...]] = {}
    for r in resources:
        blocks_by_res[r.pk] = tuple(
            solver.Block(i, tuple(w.weekdays), _minutes(w.start_time), _minutes(w.end_time), w.ends_next_day,
                         slot_capacity(r, w), w.sex)
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
        previous=tuple(_previous(need_ids, specs)),
        declined=tuple(sorted({(f"n{a}", f"r{b}") for a, b in Allocation.objects.filter(
            need_id__in=need_ids, status=AllocationStatus.DECLINED).values_list("need_id", "resource_id")})),
        horizon_start=h_start.isoformat(), horizon_end=h_end.isoformat(),
    )
    keys.blocks = {f"r{r.pk}": [[_hhmm(w.start_time), _hhmm(w.end_time), w.ends_next_day, list(w.weekdays)]
                                for w in specs[r.pk]] for r in resources}
    return problem, keys


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


def _previous(need_ids: set[int], specs: dict[int, list[WindowSpec]]) -> list[solver.PreviousAllocation]:
    out = []
    for a in Allocation.objects.proposed().filter(need_id__in=need_ids).select_related("resource").order_by("id"):
        b = _block_of(specs.get(a.resource_id, []), a.start_time)
        if b is not None:
            out.append(solver.PreviousAllocation(f"n{a.need_id}", f"r{a.resource_id}", b, a.units))
    return out


# --- back to rows -------------------------------------------------------------------------------------------
def to_rows(run: MatchRun, solution: solver.Solution, keys: Keys) -> tuple[list[Allocation], list[UnservedReason]]:
    """Unsaved rows for the run's results (allocations in need units; reasons per need)."""
    need_ids = {int(a.need_key[1:]) for a in solution.allocations} | {int(u.need_key[1:]) for u in solution.unserved}
    needs = {n.pk: n for n in Need.objects.filter(pk__in=need_ids)}
    allocations = []
    for a in solution.allocations:
        need = needs[int(a.need_key[1:])]
        start, end, next_day, _days = keys.blocks[a.resource_key][a.block_index]
        b_start = dt.time.fromisoformat(start)
        offset = 1 if _minutes(b_start) < _minutes(need.start_time) else 0
        first = max(need.starts_on, keys.horizon_start) + dt.timedelta(days=offset)
        last = min(need.ends_on, keys.horizon_end) + dt.timedelta(days=offset)
        allocations.append(Allocation(
            need=need, community_id=need.community_id, resource_id=int(a.resource_key[1:]), match_run=run,
            quantity=need.quantity if need.category == ResourceCategory.HALL else a.quantity,
            distance_m=a.distance_m, weekdays=sorted((d + offset) % 7 for d in need.weekdays),
            block_index=a.block_index, start_time=b_start, end_time=dt.time.fromisoformat(end),
            ends_next_day=bool(next_day), starts_on=first, ends_on=last))
    reasons = []
    for u in solution.unserved:
        need = needs[int(u.need_key[1:])]
        blocking = int(u.blocking_need_keys[0][1:]) if u.blocking_need_keys else None
        reasons.append(UnservedReason(
            need=need, match_run=run, code=u.code,
            quantity=need.quantity if need.category == ResourceCategory.HALL else u.quantity,
            detail=u.message[:300], blocking_need_id=blocking))
    return allocations, reasons


def served_before(need_ids: list[int]) -> dict[int, int]:
    rows = (Allocation.objects.accepted().filter(need_id__in=need_ids).values("need_id")
            .annotate(q=Sum("quantity")))
    return {r["need_id"]: int(r["q"]) for r in rows}


__all__ = ["Keys", "horizon_of", "load_problem", "local_date", "scope_needs", "to_rows"]
