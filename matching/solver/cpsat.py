"""CP-SAT polish of one part, warm-started from a feasible incumbent, reproducible.

The model is exact: per-day capacity rows, need totals, split rules (``y`` per need and site). Two
lexicographic stages (:mod:`matching.solver.objective`), each hinted with a COMPLETE assignment (every
``x`` and ``y``; ``clear_hints`` in between), the second keeping the first's level:
1. maximise served units -> CP-SAT's own proven upper bound for the part;
2. served at least stage 1's, maximise priority > fairness tiers.
Both see the part without its previous proposals (``objective.without_previous``), so they find the same
answer whatever was proposed before; stability is applied afterwards (:mod:`matching.solver.stability`).
The incumbent is never lost: a stage's answer is taken only if it is feasible and not worse.

Reproducible: one worker, a fixed seed, and a limit in deterministic time (CP-SAT's measure of work done,
independent of the machine's load); the wall-clock limit is a safety net, and a stage it stopped is
reported (``Spent.wall_limited``).
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from . import objective
from .part import Part, Spent
from .repair import State

STAGE_SHARES = (0.6, 0.4)  # of the search budget: served, then priority and fairness
WALL_SLACK = 0.98


def _run(model: cp_model.CpModel, settings_workers: int, seed: int, dtime: float, wall_s: float,
         spent: Spent) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, settings_workers)
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(0.001, dtime)
    solver.parameters.max_time_in_seconds = max(0.05, wall_s)
    status = solver.solve(model)
    spent.dtime += solver.deterministic_time
    if (
        status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID)
        and solver.wall_time >= WALL_SLACK * wall_s
        and solver.deterministic_time < WALL_SLACK * dtime
    ):
        spent.wall_limited = True
    return solver, status


class _Model:
    """The exact model of a part: ``x`` per candidate, ``y`` per (need, site)."""

    def __init__(self, part: Part) -> None:
        self.part = part
        m = self.m = cp_model.CpModel()
        self.x = x = [m.new_int_var(0, part.cand_cap[c], f"x{c}") for c in range(part.size)]
        sites: dict[tuple[int, int], list[int]] = defaultdict(list)
        for c in range(part.size):
            sites[(part.cand_need[c], part.cand_site[c])].append(c)
        self.y: dict[tuple[int, int], cp_model.IntVar] = {}
        per_need_y: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (n, s), cs in sorted(sites.items()):
            v = m.new_bool_var(f"y{n}_{s}")
            self.y[(n, s)] = v
            per_need_y[n].append(v)
            total = sum(x[c] for c in cs)
            m.add(total <= min(part.need_units[n], sum(part.cand_cap[c] for c in cs)) * v)
            m.add(total >= part.need_m[n] * v)
        by_need: dict[int, list[int]] = defaultdict(list)
        for c in range(part.size):
            by_need[part.cand_need[c]].append(c)
        for n, cs in sorted(by_need.items()):
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
        self.served = cp_model.LinearExpr.sum(x)

    def hint(self, st: State) -> None:
        self.m.clear_hints()
        for c in range(self.part.size):
            self.m.add_hint(self.x[c], st.x[c])
        for (n, s), v in self.y.items():
            self.m.add_hint(v, 1 if st.site_total.get((n, s), 0) > 0 else 0)

    def read(self, solver: cp_model.CpSolver, part: Part) -> State:
        return State(part, [int(solver.value(self.x[c])) for c in range(self.part.size)])

    def level2(self) -> cp_model.LinearExpr:
        part, m, x = self.part, self.m, self.x
        w_prio, w_fair = objective.level2_weights(part)
        terms = [part.need_priority[part.cand_need[c]] * w_prio * x[c] for c in range(part.size)]
        cands_of: dict[str, list[int]] = defaultdict(list)
        for c in range(part.size):
            cands_of[part.need_community[part.cand_need[c]]].append(c)
        for com, widths in objective.community_tiers(part).items():
            ts = [m.new_int_var(0, w, f"t{com}_{j}") for j, w in enumerate(widths)]
            m.add(sum(ts) == sum(x[c] for c in cands_of[com]))
            terms.extend((len(widths) - j) * w_fair * t for j, t in enumerate(ts))
        return cp_model.LinearExpr.sum(terms)


def polish(part: Part, incumbent: State, settings_workers: int, seed: int, dtime: float,
           wall_s: float) -> tuple[State, int | None, Spent]:
    """Stages 1 and 2 within ``dtime``; returns the best feasible state, CP-SAT's bound on served units,
    and what was spent. ``part`` should be the search's part (without previous proposals)."""
    spent = Spent()
    model = _Model(part)
    best = incumbent
    bound: int | None = None
    # stage 1: served
    model.hint(best)
    model.m.maximize(model.served)
    solver, status = _run(model.m, settings_workers, seed, dtime * STAGE_SHARES[0], wall_s, spent)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = int(solver.best_objective_bound + 1e-6)
        cand = model.read(solver, part)
        if cand.served() > best.served():
            best = cand
    # stage 2: priority and fairness, served kept
    floor = best.served()
    model.m.add(model.served >= floor)
    level2 = model.level2()
    model.hint(best)
    model.m.maximize(level2)
    solver, status = _run(model.m, settings_workers, seed, dtime * STAGE_SHARES[1], wall_s, spent)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cand = model.read(solver, part)
        if cand.served() >= floor and objective.level2(part, cand.x) >= objective.level2(part, best.x):
            best = cand
    return best, bound, spent
