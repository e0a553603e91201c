"""Min-cost flow, the LP (scipy HiGHS) and CP-SAT agree on served demand of small relaxed instances."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from matching.solver import SolveSettings, prepare, solve
from matching.solver.flow import solve as flow_solve
from matching.solver.part import Part

from .instances import random_problem

RELAXED = SolveSettings(method="flow", split_rules=False)


def lp_served(part: Part) -> float:
    rows, cols, rhs = [], [], []
    r = 0
    by_need: dict[int, list[int]] = {}
    by_pool: dict[int, list[int]] = {}
    for c in range(part.size):
        by_need.setdefault(part.cand_need[c], []).append(c)
        for p in part.cand_pools[c]:
            by_pool.setdefault(p, []).append(c)
    for n, cs in sorted(by_need.items()):
        rows += [r] * len(cs)
        cols += cs
        rhs.append(part.need_units[n])
        r += 1
    for p, cs in sorted(by_pool.items()):
        rows += [r] * len(cs)
        cols += cs
        rhs.append(part.pool_cap[p])
        r += 1
    a = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(r, part.size)).tocsr()
    res = linprog(
        -np.ones(part.size),
        A_ub=a,
        b_ub=rhs,
        bounds=list(zip([0] * part.size, part.cand_cap, strict=True)),
        method="highs",
    )
    assert res.status == 0
    return float(-res.fun)


def cpsat_served(part: Part) -> int:
    m = cp_model.CpModel()
    x = [m.new_int_var(0, part.cand_cap[c], "") for c in range(part.size)]
    for n in range(len(part.need_keys)):
        m.add(sum(x[c] for c in range(part.size) if part.cand_need[c] == n) <= part.need_units[n])
    for p, cap in enumerate(part.pool_cap):
        m.add(sum(x[c] for c in range(part.size) if p in part.cand_pools[c]) <= cap)
    m.maximize(sum(x))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    solver.parameters.max_deterministic_time = 10.0
    assert solver.solve(m) == cp_model.OPTIMAL
    return int(solver.objective_value)


@pytest.mark.parametrize("seed", range(8))
def test_flow_lp_and_cpsat_agree_on_relaxed_served_demand(seed: int) -> None:
    # given: one category whose needs all have the same weekday pattern (the flow is then exact)
    problem = random_problem(
        seed, n_comm=5, n_res=6, n_needs=14, categories=("CANTEEN",), pattern=(0, 1, 2, 3, 4)
    )
    # when
    parts = prepare(problem, RELAXED)
    # then
    for part in parts:
        assert part.flow_exact
        value = flow_solve(part).value
        assert value == pytest.approx(lp_served(part), abs=1e-6)
        assert value == cpsat_served(part)


@pytest.mark.parametrize("seed", range(6))
def test_split_rules_cpsat_never_worse_than_flow_and_within_bound(seed: int) -> None:
    # given
    problem = random_problem(seed, n_comm=5, n_res=8, n_needs=16)
    # when
    flow = solve(problem, SolveSettings(method="flow"))
    polished = solve(problem, SolveSettings(method="cpsat", deterministic_time=2.0))
    # then
    assert polished.metrics.served >= flow.metrics.served
    assert polished.metrics.served <= polished.metrics.bound <= flow.metrics.bound
