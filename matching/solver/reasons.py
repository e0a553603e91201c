"""A coded reason for every need left (partly) unserved.

Decided from the candidate filters in order (:class:`matching.solver.candidates.NeedDiag`):
no resource of the category within the distance -> NO_RESOURCE_IN_REACH; none of those eligible
(target group, hall size) -> NOT_ELIGIBLE; no eligible one with a block serving the window on every
pattern day -> NO_WINDOW_FITS; only sessions of the other sex -> NOT_ELIGIBLE; the only fitting sites were
declined by their unit -> DECLINED_BY_UNIT; otherwise CAPACITY_TAKEN, naming the needs holding the blocks
the need could use (``blocking_need_keys``, largest first; empty when existing bookings or quota hold it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from .candidates import CandidateSet
from .domain import Allocation, Problem, UnservedReason

MAX_BLOCKING = 3


def explain(
    problem: Problem, cs: CandidateSet, allocations: Iterable[Allocation], only: Collection[int] | None = None
) -> list[UnservedReason]:
    """Reasons of the unserved needs, in the problem's order; ``only``: of these need indices alone."""
    allocs = list(allocations)
    served: dict[str, int] = defaultdict(int)
    on_block: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in allocs:
        served[a.need_key] += a.quantity
        on_block[(a.resource_key, a.block_index)][a.need_key] += a.quantity
    days_of = {problem.needs[n].key: set(cs.days[n]) for n in range(len(problem.needs))}
    cands_of: dict[int, list[int]] = defaultdict(list)
    for c in range(len(cs)):
        cands_of[cs.need[c]].append(c)
    out: list[UnservedReason] = []
    for n, need in enumerate(problem.needs):
        if only is not None and n not in only:
            continue
        rem = need.units - served[need.key]
        if rem <= 0:
            continue
        d = cs.diag[n]
        if not cands_of[n]:
            if d.in_reach == 0:
                code, msg = (
                    "NO_RESOURCE_IN_REACH",
                    f"no {need.category.lower()} within {need.max_distance_m} m",
                )
            elif d.eligible == 0:
                code, msg = "NOT_ELIGIBLE", "no resource in reach accepts this group (target group or size)"
            elif d.window_fits == 0:
                code, msg = "NO_WINDOW_FITS", "no opening window in reach fits the time on every day"
            elif d.sex_fits == 0:
                code, msg = "NOT_ELIGIBLE", "only sessions for the other sex fit the time"
            elif d.declined:
                code, msg = "DECLINED_BY_UNIT", "every fitting resource in reach declined this need"
            else:
                code, msg = "CAPACITY_TAKEN", "fitting blocks are fully booked"
            out.append(UnservedReason(need.key, code, rem, msg))
            continue
        holders: dict[str, int] = defaultdict(int)
        for c in sorted(cands_of[n], key=lambda c: (cs.dist[c], c)):
            res_key = problem.resources[cs.res[c]].key
            for other, q in on_block[(res_key, cs.block[c])].items():
                if other != need.key and days_of[other] & days_of[need.key]:
                    holders[other] += q
        blocking = tuple(k for k, _ in sorted(holders.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_BLOCKING])
        msg = "capacity in reach is taken" + (f" by {', '.join(blocking)}" if blocking else " by bookings")
        if d.declined:
            msg += f"; {d.declined} resource(s) declined it"
        out.append(UnservedReason(need.key, "CAPACITY_TAKEN", rem, msg, blocking))
    return out
