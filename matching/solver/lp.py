"""The LP relaxation of a part's exact model WITH the split rules (HiGHS through scipy, sparse).

Variables: ``x`` per candidate in [0, cap], ``y`` per (need, site) in [0, 1]. Rows: every per-day
capacity row (``pool_cap``, exact — unlike the flow, whose pools merge days and relax them when
``flow_exact`` is False), need totals, ``x_site <= min(units, site cap) * y``, ``x_site >= m * y``,
``sum y <= k``. Its served value is an upper bound on the part's served units that sees the split rules
(it is never above the tightened flow value, and is far below it where the flow relaxes per-day rows);
its solution, floored, repaired and filled, is a second start beside the flow's.

Pass (1): served units alone -> the bound. Pass (2): served kept at that value, then small terms for
priority, fairness tiers (a community's first quarter worth most), kept units of the previous proposals
and distance -> the solution that is rounded (without it the rounded answer walked people twice as
far). Deterministic: HiGHS' dual simplex, serial, no time limit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from . import objective
from .part import Part

EPS_PRIORITY = 1e-3  # per unit per priority point (at most 5e-3)
EPS_FAIR = 1e-4  # per unit per tier rank (at most 4e-4)
EPS_DIST = 1e-7  # per unit per metre (at most ~2e-4 for 2 km)
EPS_STAB = 3e-4  # per kept unit of the previous proposals (above the largest distance term)
BOUND_SLACK = 0.01  # solver tolerance allowance when flooring the LP value into an integer bound


@dataclass
class LPResult:
    x: list[int]  # floored units per candidate (may break split rules; repair fixes them)
    bound: int | None  # floor of the LP's served value; None if the LP did not solve


def solve(part: Part, with_secondary: bool = True) -> LPResult:
    n = part.size
    if n == 0:
        return LPResult([], 0)
    sites: dict[tuple[int, int], list[int]] = defaultdict(list)
    for c in range(n):
        sites[(part.cand_need[c], part.cand_site[c])].append(c)
    site_keys = sorted(sites)
    tiers = objective.community_tiers(part)
    coms = list(tiers)
    tier_var0 = n + len(site_keys)
    tier_index: dict[str, int] = {}
    n_vars = tier_var0
    for com in coms:
        tier_index[com] = n_vars
        n_vars += len(tiers[com])
    prev_cands = [c for c in range(n) if part.cand_prev[c]]
    kept0 = n_vars
    n_vars += len(prev_cands)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    ub_rows: list[float] = []
    eq_rows: list[int] = []
    eq_cols: list[int] = []
    eq_vals: list[float] = []

    def row(idx: list[int], coef: list[float], hi: float) -> None:
        r = len(ub_rows)
        rows.extend([r] * len(idx))
        cols.extend(idx)
        vals.extend(coef)
        ub_rows.append(hi)

    users: dict[int, list[int]] = defaultdict(list)
    for c in range(n):
        for q in part.cand_pools[c]:
            users[q].append(c)
    for q in sorted(users):
        cs = users[q]
        if sum(part.cand_cap[c] for c in cs) > part.pool_cap[q]:
            row(cs, [1.0] * len(cs), float(part.pool_cap[q]))
    ys_of: dict[int, list[int]] = defaultdict(list)
    for j, (need, _s) in enumerate(site_keys):
        cs = sites[(need, _s)]
        cap = min(part.need_units[need], sum(part.cand_cap[c] for c in cs))
        row([*cs, n + j], [1.0] * len(cs) + [-float(cap)], 0.0)
        row([*cs, n + j], [-1.0] * len(cs) + [float(part.need_m[need])], 0.0)
        ys_of[need].append(n + j)
    by_need: dict[int, list[int]] = defaultdict(list)
    for c in range(n):
        by_need[part.cand_need[c]].append(c)
    for need in sorted(by_need):
        row(by_need[need], [1.0] * len(by_need[need]), float(part.need_units[need]))
        if len(ys_of[need]) > part.need_k[need]:
            row(ys_of[need], [1.0] * len(ys_of[need]), float(part.need_k[need]))
    for i, c in enumerate(prev_cands):  # kept <= x
        row([kept0 + i, c], [1.0, -1.0], 0.0)
    cands_of: dict[str, list[int]] = defaultdict(list)
    for c in range(n):
        cands_of[part.need_community[part.cand_need[c]]].append(c)
    for e, com in enumerate(coms):  # sum of the community's tiers == its served units
        t0 = tier_index[com]
        cs = cands_of[com]
        ts = list(range(t0, t0 + len(tiers[com])))
        eq_rows.extend([e] * (len(cs) + len(ts)))
        eq_cols.extend(cs + ts)
        eq_vals.extend([1.0] * len(cs) + [-1.0] * len(ts))
    cost = np.zeros(n_vars)
    for c in range(n):
        prio = part.need_priority[part.cand_need[c]]
        cost[c] = -(1.0 + EPS_PRIORITY * prio - EPS_DIST * part.cand_dist[c])
    upper = np.zeros(n_vars)
    upper[:n] = part.cand_cap
    upper[n:tier_var0] = 1.0
    for com in coms:
        widths = tiers[com]
        for j, w in enumerate(widths):
            cost[tier_index[com] + j] = -EPS_FAIR * (len(widths) - j)
            upper[tier_index[com] + j] = w
    for i, c in enumerate(prev_cands):
        cost[kept0 + i] = -EPS_STAB
        upper[kept0 + i] = part.cand_prev[c]
    a_ub = coo_matrix((vals, (rows, cols)), shape=(len(ub_rows), n_vars)).tocsr()
    a_eq = coo_matrix((eq_vals, (eq_rows, eq_cols)), shape=(len(coms), n_vars)).tocsr()
    b_ub = np.array(ub_rows)
    box = np.stack([np.zeros(n_vars), upper], axis=1)
    # pass 1: served units alone -> the bound
    served_cost = np.zeros(n_vars)
    served_cost[:n] = -1.0
    res = linprog(served_cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.zeros(len(coms)), bounds=box,
                  method="highs-ds")
    if res.status != 0 or res.x is None:
        return LPResult([0] * n, None)
    value = float(res.x[:n].sum())
    bound = math.floor(value + BOUND_SLACK)
    if not with_secondary:
        return LPResult([math.floor(v + 1e-6) for v in res.x[:n].tolist()], bound)
    # pass 2: served kept (to a tolerance), then priority, fairness and distance -> the start to round
    keep = coo_matrix((-np.ones(n), (np.zeros(n, dtype=np.int64), np.arange(n))), shape=(1, n_vars)).tocsr()
    res2 = linprog(cost, A_ub=vstack([a_ub, keep]).tocsr(), b_ub=np.append(b_ub, -(value - 1e-4)),
                   A_eq=a_eq, b_eq=np.zeros(len(coms)), bounds=box, method="highs-ds")
    xs = res2.x[:n] if res2.status == 0 and res2.x is not None else res.x[:n]
    return LPResult([math.floor(v + 1e-6) for v in xs.tolist()], bound)
