"""Issue 14 at the solver level: per-part deterministic budgets, order independence, the stability
stage, and the LP bound that sees the split rules."""

from __future__ import annotations

import dataclasses
import random

import pytest
from ortools.sat.python import cp_model

from marketplace.demo.district import District, generate
from matching.solver import PreviousAllocation, Problem, SolveSettings, merge, prepare, solve, solve_part
from matching.solver import lp as lp_relaxation
from matching.solver.cpsat import _Model
from matching.solver.flow import solve as flow_solve
from matching.solver.from_district import to_problem
from matching.solver.part import Part

from .instances import random_problem

DEFAULT = SolveSettings()


def exact_served(part: Part) -> int:
    """The part's optimum with every rule (CP-SAT proven optimal on a small instance)."""
    model = _Model(part)
    model.m.maximize(model.served)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 30.0
    assert solver.solve(model.m) == cp_model.OPTIMAL
    return int(solver.objective_value)


def test_a_parts_budget_depends_on_its_size_only() -> None:
    # given
    settings = SolveSettings(dtime_per_1k=0.5, dtime_min=0.2, dtime_max=3.0)
    # then
    assert settings.budget_for(10) == 0.2
    assert settings.budget_for(4000) == 2.0
    assert settings.budget_for(100_000) == 3.0
    assert SolveSettings(deterministic_time=1.5).budget_for(100_000) == 1.5


@pytest.mark.parametrize("seed", range(3))
def test_parts_solved_in_any_order_merge_to_the_same_answer_and_record_the_budget(seed: int) -> None:
    # given
    problem = random_problem(seed, n_comm=8, n_res=12, n_needs=40)
    parts = prepare(problem, DEFAULT)
    assert len(parts) > 1
    # when
    forward = [solve_part(p, DEFAULT) for p in parts]
    backward = [solve_part(p, DEFAULT) for p in reversed(parts)]
    a, b = merge(problem, forward, DEFAULT), merge(problem, list(reversed(backward)), DEFAULT)
    c = merge(problem, backward, DEFAULT)
    # then
    assert a.allocations == b.allocations == c.allocations and a.metrics == b.metrics == c.metrics
    assert a.budget == pytest.approx(sum(DEFAULT.budget_for(p.size) for p in parts)) and a.budget > 0
    assert a.reproducible and a.deterministic_time_used <= a.budget * 1.5


@pytest.mark.parametrize("seed", range(4))
def test_a_second_solve_with_its_own_proposals_as_previous_keeps_every_unit(seed: int) -> None:
    # given
    problem = random_problem(seed, n_comm=8, n_res=12, n_needs=40)
    first = solve(problem, DEFAULT)
    previous = tuple(PreviousAllocation(a.need_key, a.resource_key, a.block_index, a.quantity)
                     for a in first.allocations)
    # when
    again = solve(dataclasses.replace(problem, previous=previous), DEFAULT)
    # then
    assert again.allocations == first.allocations and again.metrics.churn == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_previous_proposals_that_no_longer_fit_are_kept_where_they_still_can_be(seed: int) -> None:
    # given: the first answer, then 10 % of the needs gone
    problem = random_problem(seed, n_comm=8, n_res=12, n_needs=40)
    first = solve(problem, DEFAULT)
    previous = tuple(PreviousAllocation(a.need_key, a.resource_key, a.block_index, a.quantity)
                     for a in first.allocations)
    changed = Problem(problem.communities, problem.resources, problem.needs[4:], previous=previous)
    # when
    stable = solve(changed, DEFAULT)
    scratch = solve(dataclasses.replace(changed, previous=()), DEFAULT)
    # then: served at least as from scratch (the search ignores the previous; stability never gives up
    # served units), and at least as many units kept
    assert stable.metrics.served >= scratch.metrics.served
    kept_scratch = sum(
        min(p.quantity, next((a.quantity for a in scratch.allocations if (a.need_key, a.resource_key, a.block_index)
                              == (p.need_key, p.resource_key, p.block_index)), 0))
        for p in previous if p.need_key in {n.key for n in changed.needs})
    assert stable.metrics.kept_previous >= kept_scratch


def redrawn(district: District, share: float) -> District:
    """The district with ``share`` of its needs replaced by needs of the next seed's district (the churn
    measure of bench/matching.py)."""
    other = generate(district.scale, district.seed + 1)
    rng = random.Random(district.seed + 1)
    needs = list(district.needs)
    communities = {c.key for c in district.communities}
    pool = [n for n in other.needs if n.community_key in communities]
    slots = rng.sample(range(len(needs)), k=round(share * len(needs)))
    for i, new in zip(slots, rng.sample(pool, k=len(slots)), strict=True):
        needs[i] = dataclasses.replace(new, key=f"{new.key}-redrawn")
    return dataclasses.replace(district, needs=tuple(needs))


def test_a_5_percent_redraw_moves_at_most_10_percent_of_the_placed_units() -> None:
    # given: a generated district, solved; then 5 % of its needs redrawn, the first answer as previous
    district = generate(0.2, 1)
    first = solve(to_problem(district), DEFAULT)
    previous = tuple(PreviousAllocation(a.need_key, a.resource_key, a.block_index, a.quantity)
                     for a in first.allocations)
    changed = to_problem(redrawn(district, 0.05))
    # when
    stable = solve(dataclasses.replace(changed, previous=previous), DEFAULT)
    scratch = solve(changed, DEFAULT)
    # then: measured 2.9 % moved; without the stability stage (the search's answer as it is) 27.8 %
    assert stable.metrics.churn is not None and stable.metrics.churn <= 0.10
    assert stable.metrics.previous_units > 0.9 * first.metrics.served
    assert stable.metrics.served >= scratch.metrics.served


@pytest.mark.parametrize("seed", range(6))
def test_the_lp_bound_sees_the_split_rules_and_per_day_rows_and_is_never_below_the_optimum(seed: int) -> None:
    # given: mixed weekday patterns and dated needs (per-day rows the flow merges)
    problem = random_problem(seed, n_comm=5, n_res=8, n_needs=16)
    # when / then
    for part in prepare(problem, DEFAULT):
        bound = lp_relaxation.solve(part).bound
        assert bound is not None
        assert exact_served(part) <= bound <= flow_solve(part).value



def test_a_wall_clock_safety_limit_that_binds_is_recorded_as_not_reproducible() -> None:
    # given: the generator's district at a size where CP-SAT does not prove its largest part at once
    problem = to_problem(generate(0.3, 1))
    part = max(prepare(problem, DEFAULT), key=lambda p: p.size)
    polished = SolveSettings(cpsat_skip_gap=0.0)  # CP-SAT even where the start is within 0.5 % of the bound
    tight_wall = dataclasses.replace(polished, deterministic_time=50.0, time_limit_s=0.05)
    # when
    result = solve_part(part, tight_wall)
    normal = solve_part(part, dataclasses.replace(polished, time_limit_s=600.0))  # no wall limit binds when busy
    # then
    assert result.wall_limited and not merge(problem, [result], tight_wall).reproducible
    assert normal.dtime > 0 and not normal.wall_limited and normal.budget == polished.budget_for(part.size)
