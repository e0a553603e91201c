"""What every run reports (matching/README.md "Every run reports"), computed from allocations alone.

- ``servable`` per need: units the need could get alone (min(units, its k largest site capacities));
  community shares are served / servable over communities with servable demand (a community nothing can
  reach has no share); ``starved``: servable > 0 and nothing served.
- distances are unit-weighted; ``p90`` is the 90th percentile by the nearest-rank rule.
- ``churn``: share of the previous proposals' units (of needs still open) not kept on the same
  (need, resource, block); ``None`` without previous proposals.
- ``gap`` = (bound - served) / bound, 0 when the bound is 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

from .domain import Allocation, Metrics, Problem


def _rank(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[max(0, math.ceil(q * len(values)) - 1)]


def compute(
    problem: Problem, allocations: Iterable[Allocation], bound: float, servable: Mapping[str, int]
) -> Metrics:
    allocs = list(allocations)
    need_comm = {n.key: n.community_key for n in problem.needs}
    served_c: dict[str, int] = defaultdict(int)
    servable_c: dict[str, int] = defaultdict(int)
    for n in problem.needs:
        servable_c[n.community_key] += servable.get(n.key, 0)
    for a in allocs:
        served_c[need_comm[a.need_key]] += a.quantity
    shares = sorted(served_c[c] / s for c, s in servable_c.items() if s > 0)
    starved = sum(1 for c, s in servable_c.items() if s > 0 and served_c[c] == 0)
    served = sum(a.quantity for a in allocs)
    dists = (
        sorted(float(a.distance_m) for a in allocs for _ in range(a.quantity)) if served < 2_000_000 else []
    )
    total_d = sum(a.distance_m * a.quantity for a in allocs)
    prev_units, kept = 0, 0
    now = {(a.need_key, a.resource_key, a.block_index): a.quantity for a in allocs}
    for p in problem.previous:
        if p.need_key in need_comm:
            prev_units += p.quantity
            kept += min(p.quantity, now.get((p.need_key, p.resource_key, p.block_index), 0))
    return Metrics(
        served=served,
        demand=sum(n.units for n in problem.needs),
        servable=sum(servable.values()),
        bound=float(bound),
        gap=(bound - served) / bound if bound > 0 else 0.0,
        starved_communities=starved,
        min_community_share=shares[0] if shares else 1.0,
        p10_community_share=_rank(shares, 0.1) if shares else 1.0,
        mean_distance_m=total_d / served if served else 0.0,
        p90_distance_m=_rank(dists, 0.9),
        churn=(1 - kept / prev_units) if prev_units else None,
        kept_previous=kept,
        previous_units=prev_units,
    )
