"""Time-boxed CP-SAT polish of one part, warm-started from a feasible incumbent.

The model is exact: per-day capacity rows, need totals, split rules (``y`` per need and site). Two stages,
each hinted with a COMPLETE assignment (every ``x`` and ``y``; ``clear_hints`` in between):
1. maximise served units -> CP-SAT's own proven upper bound for the part;
2. served fixed at stage 1's value, maximise priority > fairness tiers > stability > -distance (weights
   that make each level dominate the next for exchanges of a few units; the flow's exact ordering is what
   the incumbent came from).
The incumbent is never lost: a stage's answer is taken only if it is feasible and not worse.
Deterministic with one worker, a fixed seed and ``deterministic_time``.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .domain import SolveSettings
from .flow import tier_widths, tight_caps, weights
from .part import Part
from .repair import State

SECONDARY_CYCLE = 8


def _params(solver: cp_model.CpSolver, settings: SolveSettings, seconds: float) -> None:
    solver.parameters.num_workers = max(1, settings.workers)
    solver.parameters.random_seed = settings.seed
    if settings.deterministic_time is not None:
        solver.parameters.max_deterministic_time = settings.deterministic_time
        solver.parameters.max_time_in_seconds = max(seconds, 60.0)
    else:
        solver.parameters.max_time_in_seconds = max(0.05, seconds)


def polish(part: Part, incumbent: State, settings: SolveSettings, seconds: float) -> tuple[State, int | None]:
    """Improve ``incumbent`` within ``seconds``; returns the best feasible state and CP-SAT's bound."""
    if seconds <= 0.05 and settings.deterministic_time is None:
        return incumbent, None
    m = cp_model.CpModel()
    x = [m.new_int_var(0, part.cand_cap[c], f"x{c}") for c in range(part.size)]
    sites: dict[tuple[int, int], list[int]] = defaultdict(list)
    for c in range(part.size):
        sites[(part.cand_need[c], part.cand_site[c])].append(c)
    y = {}
    per_need_y: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (n, s), cs in sorted(sites.items()):
        v = m.new_bool_var(f"y{n}_{s}")
        y[(n, s)] = v
        per_need_y[n].append(v)
        total = sum(x[c] for c in cs)
        m.add(total <= min(part.need_units[n], sum(part.cand_cap[c] for c in cs)) * v)
        m.add(total >= part.need_m[n] * v)
    by_need: dict[int, list[int]] = defaultdict(list)
    for c in range(part.size):
        by_need[part.cand_need[c]].append(c)
    for n, cs in by_need.items():
        m.add(sum(x[c] for c in cs) <= part.need_units[n])
        if len(per_need_y[n]) > part.need_k[n]:
            m.add(sum(per_need_y[n]) <= part.need_k[n])
    users: dict[int, list[int]] = defaultdict(list)
    for c in range(part.size):
        for row in part.cand_pools[c]:
            users[row].append(c)
    for row, cs in sorted(users.items()):
        if sum(part.cand_cap[c] for c in cs) > part.pool_cap[row]:
            m.add(sum(x[c] for c in cs) <= part.pool_cap[row])
    served = sum(x)

    def hint(st: State) -> None:
        m.clear_hints()
        for c in range(part.size):
            m.add_hint(x[c], st.x[c])
        for (n, s), v in y.items():
            m.add_hint(v, 1 if st.site_total.get((n, s), 0) > 0 else 0)

    def read(solver: cp_model.CpSolver) -> State:
        return State(part, [int(solver.value(x[c])) for c in range(part.size)])

    best = incumbent
    bound: int | None = None
    # stage 1: served
    hint(best)
    m.maximize(served)
    solver = cp_model.CpSolver()
    _params(solver, settings, seconds * 0.5)
    status = solver.solve(m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = int(solver.best_objective_bound + 1e-6)
        cand = read(solver)
        if cand.served() > best.served():
            best = cand
    # stage 2: secondary levels with served fixed
    floor = best.served()
    m.add(served >= floor)
    obj = _secondary(m, part, x)
    hint(best)
    m.maximize(obj)
    solver2 = cp_model.CpSolver()
    _params(solver2, settings, seconds * 0.5)
    status = solver2.solve(m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cand = read(solver2)
        if cand.served() >= floor:
            best = cand
    return best, bound


def _secondary(m: cp_model.CpModel, part: Part, x: list[cp_model.IntVar]) -> cp_model.LinearExpr:
    dist = [d // 10 for d in part.cand_dist]
    tiers = (0.25, 0.5, 0.75, 1.0)
    w_prio, w_fair, w_stab, w_dist = weights(SECONDARY_CYCLE, len(tiers), max(dist, default=0))[0]
    terms = []
    for c in range(part.size):
        n = part.cand_need[c]
        terms.append((part.need_priority[n] * w_prio - dist[c] * w_dist) * x[c])
        if part.cand_prev[c]:
            kept = m.new_int_var(0, part.cand_prev[c], f"k{c}")
            m.add(kept <= x[c])
            terms.append(w_stab * kept)
    tight = tight_caps(part)
    demand: dict[str, int] = defaultdict(int)
    for n, com in enumerate(part.need_community):
        demand[com] += tight[n]
    cands_of: dict[str, list[int]] = defaultdict(list)
    for c in range(part.size):
        cands_of[part.need_community[part.cand_need[c]]].append(c)
    for com in sorted(demand):
        widths = tier_widths(demand[com], tiers)
        ts = [m.new_int_var(0, w, f"t{com}_{j}") for j, w in enumerate(widths)]
        m.add(sum(ts) == sum(x[c] for c in cands_of[com]))
        terms.extend((len(tiers) - j) * w_fair * t for j, t in enumerate(ts))
    return cp_model.LinearExpr.sum(terms)
