"""The solver's entry points.

``solve(problem, settings)`` runs everything in this process. For scale-out the same pipeline is split:
``prepare(problem, settings) -> list[Part]`` (candidates, decomposition, tiling), ``solve_part(part,
settings) -> PartResult`` (independent, picklable/JSON-able; fan out as a Celery group) and
``merge(problem, results, settings) -> Solution`` (the chord callback: border fill of tiled components,
bound, audit, reasons, metrics). All of it is deterministic for the same input and settings, whatever the
machine's load or the order the parts are solved in: CP-SAT runs with one worker, a fixed seed and a
deterministic-time budget per part (the wall-clock limit is a safety net; ``Solution.reproducible`` is
False if it ever bound), and the search does not see the previous proposals, which are kept afterwards
when they are as good (so a second run on unchanged input proposes the same).

Raises :class:`matching.solver.audit.AuditError` if a solution would break a rule (a bug, never published).
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

from . import audit, candidates, decompose, flow, greedy, lp, metrics, moves, objective, reasons, stability
from .domain import Allocation, Problem, Solution, SolveSettings
from .part import Part, PartResult, Spent
from .repair import State, fill, repair

Progress = Callable[[float, str], None]


def prepare(problem: Problem, settings: SolveSettings) -> list[Part]:
    """Independent parts of the problem, ordered by (category, first need)."""
    problem.validate()
    return decompose.split(problem, candidates.build(problem), settings)


def _result(
    part: Part,
    st: State,
    method: str,
    flow_bound: int,
    cpsat_bound: int | None,
    exact: bool,
    stages: list[tuple[str, float]],
    budget: float = 0.0,
    spent: Spent | None = None,
    kept_previous: bool = False,
    lp_bound: int | None = None,
) -> PartResult:
    served = st.served()
    bound = min(b for b in (flow_bound, cpsat_bound, lp_bound) if b is not None)
    alloc = tuple(
        (
            part.need_keys[part.cand_need[c]],
            part.site_keys[part.cand_site[c]],
            part.cand_block[c],
            q,
            part.cand_dist[c],
        )
        for c, q in st.alloc()
    )
    spent = spent or Spent()
    return PartResult(
        index=part.index,
        method=method,
        alloc=alloc,
        served=served,
        bound=max(bound, served),
        flow_bound=flow_bound,
        cpsat_bound=cpsat_bound,
        proven_optimal=served >= bound,
        exact_dominance=exact,
        tiled=part.tiled,
        stages=tuple(stages),
        need_keys=part.need_keys if part.tiled else (),
        lp_bound=lp_bound,
        budget=budget,
        dtime=round(spent.dtime, 6),
        wall_limited=spent.wall_limited,
        kept_previous=kept_previous,
    )


def solve_part(part: Part, settings: SolveSettings, *, time_limit_s: float | None = None) -> PartResult:
    """Solve one part with ``settings.method``; never returns an infeasible assignment.

    Reproducible: the answer depends only on the part and the settings — the CP-SAT budget is
    ``settings.budget_for(part.size)`` in deterministic time; ``time_limit_s`` (default
    ``settings.time_limit_s``) is only the wall-clock safety net of each CP-SAT stage.
    The search (flow, LP, repair, fill, CP-SAT stages 1-2) does not see the previous proposals. Then they
    are kept as they are when still feasible and as good on served units, priority and fairness; else
    needs are moved back to their previous pieces, or the previous proposals are repaired, filled and
    raised to the search's levels 1-2, whichever keeps more units (``stability``). CP-SAT's whole budget
    goes to the search: a CP-SAT stability stage kept fewer units than these moves (it trades kept units
    for distance) and cost more than the rest of the part.
    """
    stages: list[tuple[str, float]] = []
    search = objective.without_previous(part)
    if settings.method == "greedy":
        t = time.perf_counter()
        fr = flow.solve(search, settings.fairness_tiers)
        stages.append(("flow", time.perf_counter() - t))
        t = time.perf_counter()
        st = greedy.solve(part)
        stages.append(("greedy", time.perf_counter() - t))
        return _result(part, st, "greedy", fr.value, None, fr.exact_dominance, stages)
    use_cpsat = settings.method == "cpsat" and len(part.need_keys) >= settings.cpsat_min_part
    polish = use_cpsat and part.size <= settings.cpsat_max_candidates
    # the search does not see the previous proposals, so the same input finds the same answer
    st, fr, lp_bound = _start(search, settings, stages)
    cp_bound: int | None = None
    budget = settings.budget_for(part.size) if use_cpsat else 0.0
    wall = settings.time_limit_s if time_limit_s is None else time_limit_s
    spent = Spent()
    best_bound = fr.value if lp_bound is None else min(fr.value, lp_bound)
    # CP-SAT only where the start is further from the part's bound than the gap the run aims at
    if polish and st.served() < best_bound * (1 - settings.cpsat_skip_gap):
        from . import cpsat  # ortools.sat loads only when used

        t = time.perf_counter()
        st, cp_bound, used = cpsat.polish(search, st, settings.workers, settings.seed, budget, wall)
        spent.add(used)
        stages.append(("cpsat", time.perf_counter() - t))
    st, kept = _stabilize(part, State(part, st.x), stages)
    return _result(part, st, settings.method, fr.value, cp_bound, fr.exact_dominance, stages, budget, spent,
                   kept, lp_bound)


def _start(p: Part, settings: SolveSettings,
           stages: list[tuple[str, float]]) -> tuple[State, flow.FlowResult, int | None]:
    """Flow, repair and fill; then (unless the flow's answer already reaches its bound) the LP relaxation
    with split rules on served units, rounded, repaired and filled, its needs moved to the flow answer's
    pieces where that serves them more or walks less (``moves.toward``): the better of the two (served,
    priority and fairness, stability and distance), the flow and the LP bound.

    The LP's own served-only solution is the start (measured on the pipeline's problem at scale 1: +79
    served units on CANTEEN over rounding the LP's second, priority/fairness/distance pass, which doubled
    the walking instead); the moves then bring the walking back to the flow's (287 m vs 277 m) and serve
    more (+63), and the second LP pass is not solved at all."""
    t = time.perf_counter()
    fr = flow.solve(p, settings.fairness_tiers)
    stages.append(("flow", time.perf_counter() - t))
    t = time.perf_counter()
    st = repair(p, fr.x)
    fill(st)
    stages.append(("repair+fill", time.perf_counter() - t))
    lp_bound: int | None = None
    if settings.lp and st.served() < fr.value:
        t = time.perf_counter()
        relaxed = lp.solve(p)
        lp_bound = relaxed.bound
        stages.append(("lp", time.perf_counter() - t))
        if relaxed.bound is not None:
            t = time.perf_counter()
            other = repair(p, relaxed.x)
            fill(other)
            other = moves.toward(other, st)
            if objective.key(p, other) > objective.key(p, st):
                # walking: the needs' pieces in a min-distance flow that gives every need these units
                near = flow.solve(dataclasses.replace(p, need_units=tuple(other.need_total)), settings.fairness_tiers)
                st = moves.toward(other, State(p, near.x))
            stages.append(("repair+fill", time.perf_counter() - t))
    return st, fr, lp_bound


def _stabilize(part: Part, found: State, stages: list[tuple[str, float]]) -> tuple[State, bool]:
    """The previous proposals as they are when as good at levels 1-2 (so a second run on the same input
    moves nothing); else the answer at least as good as the search's on levels 1-2 that keeps the most
    previous units (``stability.stabilize``)."""
    if not objective.has_previous(part):
        return found, False
    t = time.perf_counter()
    prev = objective.previous_state(part)
    if prev is not None and (prev.served(), objective.level2(part, prev.x)) >= (
            found.served(), objective.level2(part, found.x)):
        stages.append(("stability", time.perf_counter() - t))
        return prev, True
    best = stability.stabilize(found)
    stages.append(("stability", time.perf_counter() - t))
    return best, False


def servable(problem: Problem, cs: candidates.CandidateSet, settings: SolveSettings) -> dict[str, int]:
    site_cap: dict[tuple[int, int], int] = defaultdict(int)
    for c in decompose.useful(problem, cs, settings):
        site_cap[(cs.need[c], cs.res[c])] += cs.cap[c]
    per_need: dict[int, list[int]] = defaultdict(list)
    for (n, _), cap in site_cap.items():
        per_need[n].append(cap)
    out = {}
    for n, need in enumerate(problem.needs):
        caps = sorted(per_need.get(n, []), reverse=True)[: settings.k_for(need.category)]
        out[need.key] = min(need.units, sum(caps))
    return out


def _border_fill(
    problem: Problem,
    cs: candidates.CandidateSet,
    settings: SolveSettings,
    allocs: list[Allocation],
    tiled_needs: set[str],
) -> tuple[list[Allocation], float]:
    """Fill each tiled component as a whole from the tiles' answers; returns allocations and the
    component bound (flow over the whole component: tiles' own bounds do not bound it)."""
    useful = decompose.useful(problem, cs, settings)
    by_cat: dict[str, list[int]] = defaultdict(list)
    for c in useful:
        by_cat[problem.needs[cs.need[c]].category].append(c)
    keep = [a for a in allocs if a.need_key not in tiled_needs]
    bound = 0.0
    for cat in sorted(by_cat):
        for comp in decompose._components(cs, by_cat[cat], len(problem.needs)):
            if not any(problem.needs[cs.need[c]].key in tiled_needs for c in comp):
                continue
            part = decompose.make_part(problem, cs, comp, settings, -1)
            bound += flow.solve(part, settings.fairness_tiers).value
            index = {
                (part.need_keys[part.cand_need[c]], part.site_keys[part.cand_site[c]], part.cand_block[c]): c
                for c in range(part.size)
            }
            x = [0] * part.size
            for a in allocs:
                if (a.need_key, a.resource_key, a.block_index) in index:
                    x[index[(a.need_key, a.resource_key, a.block_index)]] = a.quantity
            st = State(part, x)
            fill(st)
            keep.extend(
                Allocation(
                    part.need_keys[part.cand_need[c]],
                    part.site_keys[part.cand_site[c]],
                    part.cand_block[c],
                    q,
                    part.cand_dist[c],
                )
                for c, q in st.alloc()
            )
    return keep, bound


def merge(
    problem: Problem,
    results: Sequence[PartResult],
    settings: SolveSettings,
    *,
    cs: candidates.CandidateSet | None = None,
) -> Solution:
    """Combine part results into an audited Solution (raises AuditError on any violation)."""
    stages: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    cs = candidates.build(problem) if cs is None else cs
    allocs = [Allocation(*a) for r in results for a in r.alloc]
    tiled_needs = {a[0] for r in results if r.tiled for a in r.alloc}
    tiled_needs |= {k for r in results if r.tiled for k in _part_needs(r)}
    bound = float(sum(r.bound for r in results if not r.tiled))
    if any(r.tiled for r in results):
        allocs, tiled_bound = _border_fill(problem, cs, settings, allocs, tiled_needs)
        bound += tiled_bound
    allocs.sort(key=lambda a: (a.need_key, a.resource_key, a.block_index))
    for r in results:
        for name, sec in r.stages:
            stages[name] += sec
    audit.check(problem, allocs, settings)
    unserved = reasons.explain(problem, cs, allocs)
    served = sum(a.quantity for a in allocs)
    m = metrics.compute(problem, allocs, max(bound, served), servable(problem, cs, settings))
    stages["merge"] += time.perf_counter() - t
    return Solution(
        allocations=tuple(allocs),
        unserved=tuple(unserved),
        metrics=m,
        stages=tuple(sorted(stages.items())),
        parts=len(results),
        proven_optimal=served >= bound,
        budget=round(sum(r.budget for r in results), 6),
        deterministic_time_used=round(sum(r.dtime for r in results), 6),
        reproducible=not any(r.wall_limited for r in results),
    )


def _part_needs(result: PartResult) -> tuple[str, ...]:
    return result.need_keys


def solve(problem: Problem, settings: SolveSettings, *, on_progress: Progress | None = None) -> Solution:
    """Everything in this process: prepare, solve every part (each with its own deterministic CP-SAT
    budget, ``settings.budget_for(part.size)``), merge."""
    t = time.perf_counter()
    problem.validate()
    cs = candidates.build(problem)
    t_cand = time.perf_counter() - t
    t = time.perf_counter()
    parts = decompose.split(problem, cs, settings)
    t_split = time.perf_counter() - t
    results = []
    for i, part in enumerate(parts):
        results.append(solve_part(part, settings))
        if on_progress:
            on_progress((i + 1) / (len(parts) + 1), f"part {i + 1}/{len(parts)}")
    sol = merge(problem, results, settings, cs=cs)
    if on_progress:
        on_progress(1.0, "merged")
    stages = (("candidates", t_cand), ("decompose", t_split), *sol.stages)
    return dataclasses.replace(sol, stages=stages)
