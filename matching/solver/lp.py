"""The LP relaxation of a part's exact model WITH the split rules (HiGHS through scipy, sparse).

Variables: ``x`` per candidate in [0, cap], ``y`` per (need, site) in [0, 1]. Rows: every per-day
capacity row (``pool_cap``, exact — unlike the flow, whose pools merge days and relax them when
``flow_exact`` is False) that its candidates could overfill, need totals, ``x_site <= min(units, site
cap) * y``, ``x_site >= m * y``, ``sum y <= k``. Objective: served units. Its value is an upper bound on
the part's served units that sees the split rules (never above the tightened flow value, and far below
it where the flow relaxes per-day rows); its solution, floored, repaired, filled and moved toward the
flow's answer (``api._start``), is the second start beside the flow's.

Built from numpy arrays (no per-row Python), solved once. Deterministic: HiGHS' dual simplex, serial,
no time limit. (A second pass for priority, fairness and distance at the served optimum was dropped:
its rounded answer served fewer units than this one's, and the moves toward the flow give the walking
back — see ``api._start``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from .part import Part

BOUND_SLACK = 0.01  # solver tolerance allowance when flooring the LP value into an integer bound


@dataclass
class LPResult:
    x: list[int]  # floored units per candidate (may break split rules; repair fixes them)
    bound: int | None  # floor of the LP's served value; None if the LP did not solve


def solve(part: Part) -> LPResult:
    n = part.size
    if n == 0:
        return LPResult([], 0)
    need = np.asarray(part.cand_need, dtype=np.int64)
    cap = np.asarray(part.cand_cap, dtype=np.float64)
    units = np.asarray(part.need_units, dtype=np.float64)
    # y: one per (need, site), numbered in candidate order (candidates are sorted by need, site)
    pair = need * (len(part.site_keys) + 1) + np.asarray(part.cand_site, dtype=np.int64)
    pair_keys, site_of = np.unique(pair, return_inverse=True)
    n_y = len(pair_keys)
    y_need = pair_keys // (len(part.site_keys) + 1)
    site_cap = np.minimum(units[y_need], np.bincount(site_of, weights=cap, minlength=n_y))
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    rhs: list[np.ndarray] = []
    n_rows = 0

    def block(entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]], hi: np.ndarray) -> None:
        """Rows ``n_rows..n_rows+len(hi)``: entries (row within the block, column, value), bounds ``hi``."""
        nonlocal n_rows
        for r, c, v in entries:
            rows.append(r + n_rows)
            cols.append(c)
            vals.append(v)
        rhs.append(hi)
        n_rows += len(hi)

    # capacity rows that the candidates using them could overfill
    lens = np.fromiter((len(p) for p in part.cand_pools), dtype=np.int64, count=n)
    user = np.repeat(np.arange(n), lens)
    pool = np.fromiter((q for p in part.cand_pools for q in p), dtype=np.int64, count=int(lens.sum()))
    pool_cap = np.asarray(part.pool_cap, dtype=np.float64)
    tight = np.bincount(pool, weights=cap[user], minlength=len(pool_cap)) > pool_cap
    row_of = np.cumsum(tight) - 1
    keep = tight[pool]
    block([(row_of[pool[keep]], user[keep], np.ones(int(keep.sum())))], pool_cap[tight])
    # x_site <= cap * y and x_site >= m * y, one row each per (need, site)
    cands, ys = np.arange(n), n + np.arange(n_y)
    m = np.asarray(part.need_m, dtype=np.float64)[y_need]
    block([(site_of, cands, np.ones(n)), (np.arange(n_y), ys, -site_cap)], np.zeros(n_y))
    block([(site_of, cands, -np.ones(n)), (np.arange(n_y), ys, m)], np.zeros(n_y))
    # need totals, and at most k sites per need where it has more
    needs, need_row = np.unique(need, return_inverse=True)
    block([(need_row, cands, np.ones(n))], units[needs])
    count = np.bincount(y_need, minlength=len(units))
    k = np.asarray(part.need_k, dtype=np.float64)
    over = count > k
    k_row = np.cumsum(over) - 1
    sel = over[y_need]
    block([(k_row[y_need[sel]], ys[sel], np.ones(int(sel.sum())))], k[over])
    a_ub = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n + n_y))
    cost = np.concatenate([-np.ones(n), np.zeros(n_y)])
    box = np.stack([np.zeros(n + n_y), np.concatenate([cap, np.ones(n_y)])], axis=1)
    res = linprog(cost, A_ub=a_ub, b_ub=np.concatenate(rhs), bounds=box, method="highs-ds")
    if res.status != 0 or res.x is None:
        return LPResult([0] * n, None)
    xs = res.x[:n]
    return LPResult([math.floor(v + 1e-6) for v in xs.tolist()], math.floor(float(xs.sum()) + BOUND_SLACK))
