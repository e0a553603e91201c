"""The relaxed problem (no split rules) as a min-cost flow, and the tightened bound.

Network: source -> community tiers -> community -> need -> flow pool (resource, block, occurrence days)
-> sink. ``solve_max_flow_with_min_cost`` makes level 1 (served units) exact: the flow is maximum. Among
maximum flows the integer cost orders, lexicographically, (2a) priority, (2b) fairness tiers, (3) stability
(a penalty on every unit that is not a kept unit of the previous proposals — with the flow value fixed
this equals a bonus per kept unit), (4) distance in ``dist_res`` metre steps.

Dominance: a cheaper max flow differs from the optimum by residual cycles of at most ``V`` arcs (``V`` =
node count), so weights ``w_k = 1 + V * sum_{j>k} max_j * w_j`` make every level strictly dominate the ones
after it. When those weights would overflow OR-Tools' int64 cost scaling, ``V`` is capped (dominance then
holds for exchanges along cycles of at most ``V`` arcs) and ``exact_dominance`` is False.

Tightened bound (still a flow): a need carries at most ``min(units, sum of its k largest site capacities)``
and sites below the minimum piece are already gone from the part; the flow value is then an upper bound on
served units with split rules (when ``flow_exact``; otherwise the flow pools relax the per-day capacity and
the value is still an upper bound).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .part import Part

COST_LIMIT = 2**60


@dataclass
class FlowResult:
    x: list[int]  # units per candidate
    value: int  # served units of the relaxed (tightened) problem: an upper bound
    exact_dominance: bool


def tight_caps(part: Part) -> list[int]:
    """Per need: min(units, sum of the k largest site capacities)."""
    site_cap: dict[tuple[int, int], int] = defaultdict(int)
    for c in range(part.size):
        site_cap[(part.cand_need[c], part.cand_site[c])] += part.cand_cap[c]
    per_need: dict[int, list[int]] = defaultdict(list)
    for (n, _), cap in site_cap.items():
        per_need[n].append(cap)
    out = []
    for n, units in enumerate(part.need_units):
        caps = sorted(per_need.get(n, []), reverse=True)[: part.need_k[n]]
        out.append(min(units, sum(caps)))
    return out


def tier_widths(demand: int, tiers: tuple[float, ...]) -> list[int]:
    """Widths of convex fairness tiers over a community's servable demand (they sum to ``demand``)."""
    edges = [0] + [min(demand, math.ceil(demand * t - 1e-9)) for t in tiers]
    edges[-1] = demand
    return [max(0, edges[i + 1] - edges[i]) for i in range(len(tiers))]


def weights(n_nodes: int, tiers: int, dist_max: int) -> tuple[list[int], bool]:
    """[w_prio, w_fair, w_stab, w_dist] and whether dominance is exact for every residual cycle."""
    maxes = [4, tiers - 1, 1, dist_max]

    def build(v: int) -> list[int]:
        w = [0, 0, 0, 1]
        for k in (2, 1, 0):
            w[k] = 1 + v * sum(maxes[j] * w[j] for j in range(k + 1, 4))
        return w

    v = n_nodes
    w = build(v)
    exact = True
    while sum(m * x for m, x in zip(maxes, w, strict=True)) * (n_nodes + 1) > COST_LIMIT and v > 2:
        v = max(2, v // 2)
        w = build(v)
        exact = False
    return w, exact


def solve(part: Part, tiers: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0), dist_res: int = 10) -> FlowResult:
    """Exact relaxed solve of one part; deterministic for the same part."""
    tight = tight_caps(part)
    comms = sorted(set(part.need_community))
    cix = {c: i for i, c in enumerate(comms)}
    n_needs, n_pools = len(part.need_keys), len(part.flow_pool_cap)
    src, snk = 0, 1
    comm0 = 2
    need0 = comm0 + len(comms)
    pool0 = need0 + n_needs
    n_nodes = pool0 + n_pools
    dist_cost = [d // dist_res for d in part.cand_dist]
    dist_max = max(dist_cost, default=0)
    (w_prio, w_fair, w_stab, w_dist), exact = weights(n_nodes, len(tiers), dist_max)
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []

    def arc(t: int, h: int, cap: int, cost: int) -> int:
        if cap <= 0:
            return -1
        tails.append(t)
        heads.append(h)
        caps.append(cap)
        costs.append(cost)
        return len(tails) - 1

    demand: dict[str, int] = defaultdict(int)
    for n, com in enumerate(part.need_community):
        demand[com] += tight[n]
    for com in comms:
        for t, width in enumerate(tier_widths(demand[com], tiers)):
            arc(src, comm0 + cix[com], width, t * w_fair)
    for n in range(n_needs):
        arc(comm0 + cix[part.need_community[n]], need0 + n, tight[n], (5 - part.need_priority[n]) * w_prio)
    cand_arcs: list[list[int]] = []
    for c in range(part.size):
        base = dist_cost[c] * w_dist
        kept = min(part.cand_prev[c], part.cand_cap[c])
        tail, head = need0 + part.cand_need[c], pool0 + part.cand_flow_pool[c]
        ids = [arc(tail, head, kept, base), arc(tail, head, part.cand_cap[c] - kept, base + w_stab)]
        cand_arcs.append([i for i in ids if i >= 0])
    for p, cap in enumerate(part.flow_pool_cap):
        arc(pool0 + p, snk, cap, 0)
    smcf = min_cost_flow.SimpleMinCostFlow()
    if tails:
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.array(tails, dtype=np.int32),
            np.array(heads, dtype=np.int32),
            np.array(caps, dtype=np.int64),
            np.array(costs, dtype=np.int64),
        )
    total = sum(tight)
    smcf.set_node_supply(src, total)
    smcf.set_node_supply(snk, -total)
    if not tails or total == 0:
        return FlowResult([0] * part.size, 0, exact)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed on part {part.index}: status {status}")
    flows = smcf.flows(np.arange(len(tails), dtype=np.int32)).tolist()
    x = [sum(flows[i] for i in ids) for ids in cand_arcs]
    return FlowResult(x, int(smcf.maximum_flow()), exact)
