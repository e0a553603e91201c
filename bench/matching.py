"""Matching benchmark on a generated district, in memory (no database).

    python bench/matching.py --scale 1|4|16 [--seed N] [--dtime-per-1k D] [--time-limit S] [--workers N]
        [--processes 1,2,4] [--problem FILE.json]

Per method (greedy; flow+repair+fill; flow+repair+fill+CP-SAT polish) prints time, served, demand, bound,
gap, starved communities, min and p10 community share, mean and p90 distance; then churn: 5 % of the needs
are redrawn from the next seed and the district is solved again with the first run's proposals as previous
(share of their units that moved) and from scratch (served compared). ``--processes`` solves the parts with
a multiprocessing pool of each size and prints the wall time of prepare + parts + merge.

CP-SAT's budget is deterministic time per part (``--dtime-per-1k`` per 1,000 candidates; the answer is the
same on a busy machine); ``--time-limit`` is only the wall-clock safety net per stage. Each row prints the
budget, the deterministic time spent, whether a wall-clock limit bound, and the solver time (flow, repair,
LP, CP-SAT, stability) and the CPU seconds of the whole solve (process time: on a shared machine the
steadier figure). ``--problem`` solves a Problem saved as JSON instead (e.g. the database-fed input
of a match run, ``MatchRunSnapshot.problem``), to measure the run pipeline's problem in memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # this file is bench/matching.py: keep it from shadowing the matching package

from marketplace.demo.district import generate  # noqa: E402
from matching.solver import PreviousAllocation, Problem, Solution, SolveSettings, merge, prepare, solve  # noqa: E402
from matching.solver.api import solve_part  # noqa: E402
from matching.solver.from_district import to_problem  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def row(name: str, seconds: float, sol: Solution, cpu: float | None = None) -> str:
    m = sol.metrics
    churn = "-" if m.churn is None else f"{m.churn:.1%}"
    return (
        f"{name:<26} {seconds:7.2f}s served {m.served:>8} / {m.demand:<8} bound {m.bound:>10.0f} "
        f"gap {m.gap:6.2%} starved {m.starved_communities:>3} min {m.min_community_share:5.2f} "
        f"p10 {m.p10_community_share:5.2f} dist {m.mean_distance_m:5.0f}/{m.p90_distance_m:5.0f} m "
        f"churn {churn} | budget {sol.budget:.2f} used {sol.deterministic_time_used:.2f} "
        f"{'reproducible' if sol.reproducible else 'WALL-LIMITED'} solver {solver_seconds(sol):.1f}s"
        + ("" if cpu is None else f" cpu {cpu:.1f}s")
    )


SOLVER_STAGES = {"flow", "repair+fill", "lp", "cpsat", "stability", "greedy"}


def solver_seconds(sol: Solution) -> float:
    return sum(sec for name, sec in sol.stages if name in SOLVER_STAGES)


def redraw(district: object, seed: int, share: float = 0.05) -> object:
    """The district with ``share`` of its needs replaced by needs of the next seed's district."""
    other = generate(district.scale, seed + 1)  # type: ignore[attr-defined]
    rng = random.Random(seed + 1)
    needs = list(district.needs)  # type: ignore[attr-defined]
    comm = {c.key for c in district.communities}  # type: ignore[attr-defined]
    pool = [n for n in other.needs if n.community_key in comm]
    slots = rng.sample(range(len(needs)), k=round(share * len(needs)))
    for i, new in zip(slots, rng.sample(pool, k=len(slots)), strict=True):
        needs[i] = dataclasses.replace(new, key=f"{new.key}-s{seed + 1}")
    return dataclasses.replace(district, needs=tuple(needs))  # type: ignore[type-var]


def _solve_part(args: tuple[object, SolveSettings, float]) -> object:
    part, settings, limit = args
    return solve_part(part, settings, time_limit_s=limit)  # type: ignore[arg-type]


def scale_out(problem: Problem, settings: SolveSettings, processes: list[int]) -> None:
    for procs in processes:
        t = time.perf_counter()
        parts = prepare(problem, settings)
        # the same work at every pool size: each part's CP-SAT budget is deterministic time from its size
        jobs = [(p, settings, settings.time_limit_s) for p in parts]
        jobs.sort(key=lambda j: -j[0].size)  # big parts first keeps the pool busy
        if procs == 1:
            results = [_solve_part(j) for j in jobs]
        else:
            with multiprocessing.get_context("fork").Pool(procs) as pool:
                results = pool.map(_solve_part, jobs, chunksize=1)
        results.sort(key=lambda r: r.index)  # type: ignore[attr-defined]
        sol = merge(problem, results, settings)  # type: ignore[arg-type]
        print(row(f"{settings.method} x{procs} processes", time.perf_counter() - t, sol), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=SolveSettings().time_limit_s,
                    help="wall-clock safety net per CP-SAT stage (s)")
    ap.add_argument("--dtime-per-1k", type=float, default=SolveSettings().dtime_per_1k,
                    help="CP-SAT deterministic time per 1,000 candidates of a part")
    ap.add_argument("--problem", type=str, default="", help="a Problem as JSON instead of the generator")
    ap.add_argument("--workers", type=int, default=1, help="CP-SAT workers per part")
    ap.add_argument("--processes", type=str, default="", help="e.g. 1,2,4: scale-out mode")
    ap.add_argument("--tile", type=int, default=0, help="tile parts with more candidates than this")
    ap.add_argument("--methods", type=str, default="greedy,flow,cpsat")
    args = ap.parse_args()

    t = time.perf_counter()
    district = None
    if args.problem:
        problem = Problem.from_dict(json.loads(Path(args.problem).read_text()))
        log(f"problem {args.problem}: {len(problem.needs)} needs, {len(problem.resources)} resources")
    else:
        district = generate(args.scale, args.seed)
        problem = to_problem(district)
        log(
            f"district scale {args.scale} seed {args.seed}: {len(district.communities)} communities, "
            f"{len(district.resources)} resources, {len(district.needs)} needs ({time.perf_counter() - t:.1f}s)"
        )
    base = SolveSettings(
        time_limit_s=args.time_limit, dtime_per_1k=args.dtime_per_1k, workers=args.workers, seed=args.seed,
        tile_max_candidates=args.tile,
    )
    if args.processes:
        scale_out(
            problem, dataclasses.replace(base, method="cpsat"), [int(p) for p in args.processes.split(",")]
        )
        return
    sols: dict[str, Solution] = {}
    names = {"greedy": "greedy", "flow": "flow+repair+fill", "cpsat": "flow+repair+fill+CP-SAT"}
    for method in args.methods.split(","):
        log(f"solving: {names[method]}")
        settings = dataclasses.replace(base, method=method)
        t, c = time.perf_counter(), time.process_time()
        sols[method] = solve(problem, settings, on_progress=lambda f, s: None)
        print(row(names[method], time.perf_counter() - t, sols[method], time.process_time() - c), flush=True)
        print("    stages: " + ", ".join(f"{k} {v:.2f}s" for k, v in sols[method].stages), flush=True)
    if "greedy" in sols:
        for method, sol in sols.items():
            if method != "greedy":
                diff = sol.metrics.served - sols["greedy"].metrics.served
                print(
                    f"    {names[method]} vs greedy: {diff:+d} served "
                    f"({diff / max(1, sols['greedy'].metrics.served):+.2%})"
                )
    method = list(sols)[-1]
    settings = dataclasses.replace(base, method=method)
    previous = tuple(
        PreviousAllocation(a.need_key, a.resource_key, a.block_index, a.quantity)
        for a in sols[method].allocations
    )
    t, c = time.perf_counter(), time.process_time()
    again = solve(dataclasses.replace(problem, previous=previous), settings)
    print(row(f"{names[method]} again", time.perf_counter() - t, again, time.process_time() - c), flush=True)
    print(f"    the same input again, its proposals as previous: churn {again.metrics.churn or 0:.2%}, served "
          f"{again.metrics.served - sols[method].metrics.served:+d}", flush=True)
    if district is None:
        return
    log("churn: redrawing 5 % of the needs with the next seed")
    changed = to_problem(redraw(district, args.seed))
    t, c = time.perf_counter(), time.process_time()
    stable = solve(dataclasses.replace(changed, previous=previous), settings)
    print(row(f"{names[method]} after 5 %", time.perf_counter() - t, stable, time.process_time() - c), flush=True)
    t, c = time.perf_counter(), time.process_time()
    scratch = solve(changed, settings)
    print(row(f"{names[method]} from scratch", time.perf_counter() - t, scratch, time.process_time() - c), flush=True)
    print(
        f"    churn {stable.metrics.churn:.1%} of {stable.metrics.previous_units} previous units; served "
        f"{stable.metrics.served - scratch.metrics.served:+d} vs from scratch",
        flush=True,
    )


if __name__ == "__main__":
    main()
