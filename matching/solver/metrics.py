"""What every run reports (matching/README.md "Every run reports"), computed from allocations alone.

- ``servable`` per need: units the need could get alone (min(units, its k largest site capacities));
  community shares are served / servable over communities with servable demand (a community nothing can
  reach has no share); ``starved``: servable > 0 and nothing served.
- distances are unit-weighted; ``p90`` is the 90th percentile by the nearest-rank rule.
- ``churn``: share of the previous proposals' units (of needs still open) not kept on the same
  (need, resource, block); ``None`` without previous proposals.
- ``gap`` = (bound - served) / bound, 0 when the bound is 0.

A run's independent parts are summarised where they are solved (``summarise``: additive figures only)
and the summaries added up (``from_summaries``); ``compute`` is the two in one, so both agree exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from .domain import Allocation, Metrics, Problem


def _rank(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[max(0, math.ceil(q * len(values)) - 1)]


def summarise(
    problem: Problem, allocations: Iterable[Allocation], bound: float, servable: Mapping[str, int]
) -> dict[str, Any]:
    """The additive figures of ``compute`` (JSON-able): summaries of disjoint sets of needs (a run's
    independent parts) add up with :func:`from_summaries` to exactly what ``compute`` gives on the whole."""
    allocs = list(allocations)
    need_comm = {n.key: n.community_key for n in problem.needs}
    served_c: dict[str, int] = defaultdict(int)
    servable_c: dict[str, int] = defaultdict(int)
    for n in problem.needs:
        servable_c[n.community_key] += servable.get(n.key, 0)
    for a in allocs:
        served_c[need_comm[a.need_key]] += a.quantity
    dist_units: dict[int, int] = defaultdict(int)
    for a in allocs:
        dist_units[a.distance_m] += a.quantity
    prev_units, kept = 0, 0
    now = {(a.need_key, a.resource_key, a.block_index): a.quantity for a in allocs}
    for p in problem.previous:
        if p.need_key in need_comm:
            prev_units += p.quantity
            kept += min(p.quantity, now.get((p.need_key, p.resource_key, p.block_index), 0))
    return {
        "served": sum(a.quantity for a in allocs),
        "demand": sum(n.units for n in problem.needs),
        "servable": sum(servable.values()),
        "bound": float(bound),
        "distance_units": sum(a.distance_m * a.quantity for a in allocs),
        "communities": {c: [served_c.get(c, 0), s] for c, s in servable_c.items()},
        "distances": sorted(dist_units.items()),
        "previous_units": prev_units,
        "kept": kept,
    }


def from_summaries(summaries: Iterable[Mapping[str, Any]]) -> Metrics:
    """The run's metrics from the summaries of disjoint sets of needs (see :func:`summarise`)."""
    served = demand = servable = distance_units = prev_units = kept = 0
    bound = 0.0
    communities: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    dist_units: dict[int, int] = defaultdict(int)
    for s in summaries:
        served += s["served"]
        demand += s["demand"]
        servable += s["servable"]
        bound += s["bound"]
        distance_units += s["distance_units"]
        prev_units += s["previous_units"]
        kept += s["kept"]
        for c, (sv, sa) in s["communities"].items():
            communities[c][0] += sv
            communities[c][1] += sa
        for d, q in s["distances"]:
            dist_units[int(d)] += q
    shares = sorted(sv / sa for sv, sa in communities.values() if sa > 0)
    starved = sum(1 for sv, sa in communities.values() if sa > 0 and sv == 0)
    return Metrics(
        served=served,
        demand=demand,
        servable=servable,
        bound=float(bound),
        gap=(bound - served) / bound if bound > 0 else 0.0,
        starved_communities=starved,
        min_community_share=shares[0] if shares else 1.0,
        p10_community_share=_rank(shares, 0.1) if shares else 1.0,
        mean_distance_m=distance_units / served if served else 0.0,
        p90_distance_m=_weighted_rank(dist_units, 0.9) if served < 2_000_000 else 0.0,
        churn=(1 - kept / prev_units) if prev_units else None,
        kept_previous=kept,
        previous_units=prev_units,
    )


def _weighted_rank(units_at: Mapping[int, int], q: float) -> float:
    """``_rank`` of the list holding each value as many times as its units, without building it."""
    total = sum(units_at.values())
    if not total:
        return 0.0
    want = max(0, math.ceil(q * total) - 1)
    seen = 0
    for value in sorted(units_at):
        seen += units_at[value]
        if seen > want:
            return float(value)
    return 0.0  # not reached: ``want < total``


def compute(
    problem: Problem, allocations: Iterable[Allocation], bound: float, servable: Mapping[str, int]
) -> Metrics:
    return from_summaries([summarise(problem, allocations, bound, servable)])
