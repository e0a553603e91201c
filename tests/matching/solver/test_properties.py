"""Property tests: every solver's output passes the independent audit on random small instances."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.solver import SolveSettings, solve
from matching.solver.audit import violations

from .instances import random_problem

METHODS = (
    SolveSettings(method="greedy"),
    SolveSettings(method="flow"),
    SolveSettings(method="cpsat", deterministic_time=0.5),
    SolveSettings(method="flow", tile_max_candidates=5, tile_km=1.0),
    SolveSettings(method="flow", split_rules=False),
)


@settings(deadline=None, max_examples=40)
@given(
    seed=st.integers(0, 10**6),
    n_res=st.integers(1, 10),
    n_needs=st.integers(1, 25),
    method=st.sampled_from(METHODS),
)
def test_every_solver_output_passes_the_audit(
    seed: int, n_res: int, n_needs: int, method: SolveSettings
) -> None:
    # given
    problem = random_problem(seed, n_comm=4, n_res=n_res, n_needs=n_needs)
    # when
    sol = solve(problem, method)
    # then
    assert violations(problem, sol.allocations, method) == []
    m = sol.metrics
    assert 0 <= m.served <= m.bound + 1e-9
    assert m.served <= m.servable <= m.demand
    assert sum(u.quantity for u in sol.unserved) == m.demand - m.served
    assert 0.0 <= m.gap <= 1.0
