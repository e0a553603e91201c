"""Match runs: starting one, and the steps its Celery tasks take (docs/ARCHITECTURE.md "Celery").

State machine QUEUED -> RUNNING -> SUCCEEDED | FAILED, every move a conditional UPDATE on the status:
- `start_match_run` (district staff, or the system for the command) queues a run; CONFLICT while an
  overlapping run is QUEUED or RUNNING (checked under `MatchRunLock`); the prepare task is queued on commit;
- `start_run` moves it to RUNNING and names the categories of its needs; `outline_category` cuts one
  category into independent groups (a task per category, in parallel); `dispatch_run` freezes the
  solver's input (`MatchRunSnapshot`) and returns the groups (`prepare_run`: the three in one process);
- `solve_run_part` solves one part (any worker), counting progress; a failure or time-out fails the run;
- `finish_run` merges and audits the parts' answers and writes the results ONCE, in one transaction that
  also moves the run to SUCCEEDED (a second chord callback finds it no longer RUNNING and writes nothing);
  the scope's earlier open proposals become SUPERSEDED and every unserved need gets its reasons;
- `reap_stale_runs` fails RUNNING runs whose heartbeat is stale (dead worker) and QUEUED runs that never
  started (lost task).
A run's frozen input is deleted when its results are written; a failed run's is kept for a week.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, F, FloatField, Q, Value
from django.db.models.functions import Cast, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from core.errors import ErrorCode, ErrorCollector, ServiceError
from core.live.publish import publish_on_commit
from core.tasks import queue
from marketplace.models import Role, Subdistrict, User
from marketplace.services import audit
from marketplace.services.idempotency import claim_key
from matching import solver
from matching.models import (
    Allocation,
    MatchRun,
    MatchRunLock,
    MatchRunSnapshot,
    MatchRunStatus,
    Need,
    UnservedReason,
)
from matching.solver import api as solver_api
from matching.solver import audit as solver_audit
from matching.solver import candidates, decompose, metrics, reasons

from . import adapter, notify

PREPARE_TASK = "matching.tasks.prepare_match_run_task"
log = logging.getLogger(__name__)
HORIZON_MIN, HORIZON_MAX, HORIZON_DEFAULT = 1, 90, 28
STARTED, PREPARED, PARTS_SHARE = 0.02, 0.1, 0.8  # progress: started, dispatched, the parts' share
SNAPSHOT_KEPT = dt.timedelta(days=7)  # a failed run's input is kept this long, to look into


# --- settings -----------------------------------------------------------------------------------------------
def solve_settings() -> solver.SolveSettings:
    """Reproducible by default: one CP-SAT worker per part (parallelism comes from Celery workers), a fixed
    seed and a deterministic-time budget per part (`MATCHING_DTIME_PER_1K` per 1,000 candidates, clipped to
    `MATCHING_DTIME_MIN`..`MATCHING_DTIME_MAX`; `MATCHING_DETERMINISTIC_TIME` fixes every part's budget
    instead), so the same input gives the same proposals whatever the load or the number of workers.
    `MATCHING_TIME_LIMIT_S` is only a wall-clock safety net per CP-SAT stage; if it ever binds the run
    records that it was not reproducible."""
    defaults = solver.SolveSettings()
    fixed = getattr(settings, "MATCHING_DETERMINISTIC_TIME", None)
    return solver.SolveSettings(
        method=getattr(settings, "MATCHING_METHOD", "cpsat"),
        time_limit_s=float(getattr(settings, "MATCHING_TIME_LIMIT_S", defaults.time_limit_s)),
        deterministic_time=None if fixed is None else float(fixed),
        dtime_per_1k=float(getattr(settings, "MATCHING_DTIME_PER_1K", defaults.dtime_per_1k)),
        dtime_min=float(getattr(settings, "MATCHING_DTIME_MIN", defaults.dtime_min)),
        dtime_max=float(getattr(settings, "MATCHING_DTIME_MAX", defaults.dtime_max)),
        workers=1, seed=1,
    )


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "MATCHING_STALE_AFTER_S", 300)))


def queued_after() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "MATCHING_QUEUED_AFTER_S", 3600)))


# --- starting ---------------------------------------------------------------------------------------------
def ensure_may_run(actor: User | None) -> None:
    """District staff run matching; `None` is the system (the `run_matching` command)."""
    if actor is None or actor.is_district_staff or actor.is_superuser:
        return
    raise ServiceError.of(ErrorCode.PERMISSION_DENIED, _("Only district staff may run matching."))


def validate_horizon(errors: ErrorCollector, horizon_days: int) -> None:
    if not HORIZON_MIN <= horizon_days <= HORIZON_MAX:
        errors.add(ErrorCode.INVALID, _("The horizon must be between 1 and 90 days."), "horizonDays")


def ensure_no_overlap(subdistrict_id: int | None) -> None:
    """CONFLICT naming the overlapping run that is queued or running. Call under the lock."""
    other = MatchRun.objects.active().overlapping(subdistrict_id).order_by("id").first()
    if other is not None:
        raise ServiceError.of(ErrorCode.CONFLICT,
                              _("Match run %(id)s is already queued or running for an overlapping scope.")
                              % {"id": other.pk})


def _lock() -> None:
    """Serialises run starts (PostgreSQL: a row lock; SQLite: IMMEDIATE transactions already do)."""
    if not list(MatchRunLock.objects.select_for_update().filter(pk=1)):
        MatchRunLock.objects.get_or_create(pk=1)
        list(MatchRunLock.objects.select_for_update().filter(pk=1))


@transaction.atomic
def start_match_run(*, actor: User | None, horizon_days: int = HORIZON_DEFAULT, subdistrict: Subdistrict | None = None,
                    idempotency_key: str | None = None, now: dt.datetime | None = None) -> MatchRun:
    """Queues a match run over the district (or one subdistrict's needs) for `horizon_days` from tomorrow.
    Side effects: the run row, an audit entry, the prepare task queued after commit.

    Raises ServiceError: PERMISSION_DENIED, INVALID (`horizonDays`), CONFLICT (an overlapping run is
    queued or running; or the idempotency key was used with another input)."""
    now = now or timezone.now()
    ensure_may_run(actor)
    errors = ErrorCollector()
    validate_horizon(errors, horizon_days)
    errors.raise_if_any()
    claim = claim_key(user=actor, key=idempotency_key, operation="runMatching",
                      payload={"horizon_days": horizon_days, "subdistrict": subdistrict.pk if subdistrict else None}
                      ) if actor is not None else None
    if claim is not None and claim.replay is not None:
        return MatchRun.objects.get(pk=claim.replay["match_run"])
    _lock()
    ensure_no_overlap(subdistrict.pk if subdistrict else None)
    run = MatchRun.objects.create(
        scope=subdistrict, horizon_days=horizon_days, created_at=now, created_by=actor,
        horizon_start=timezone.localtime(now).date() + dt.timedelta(days=1))
    audit.record(actor=actor, action="match_run.start", obj=run,
                 data={"horizon_days": horizon_days, "scope": subdistrict.pk if subdistrict else None})
    if claim is not None:
        claim.complete({"match_run": run.pk})
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    """Publishing never raises into the caller: a run whose task was lost is failed by the reaper."""
    try:
        queue(PREPARE_TASK, run_id)
    except Exception:  # any broker error: logged, the reaper fails a run that never starts
        log.exception("could not queue match run %s", run_id)


# --- state changes --------------------------------------------------------------------------------------------
def touch(run_id: int) -> None:
    MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING).update(heartbeat_at=timezone.now())


@contextlib.contextmanager
def heartbeat(run_id: int) -> Iterator[None]:
    """Touches the run now and, with a real broker, every `MATCHING_HEARTBEAT_S` seconds from a thread
    while the body runs (a long CP-SAT polish keeps the run alive; a killed worker stops beating)."""
    touch(run_id)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield
        return
    stop = threading.Event()
    every = float(getattr(settings, "MATCHING_HEARTBEAT_S", 15))

    def beat() -> None:
        try:
            while not stop.wait(every):
                touch(run_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def fail_run(run_id: int, error: str, *, now: dt.datetime | None = None, only_if: Q | None = None) -> bool:
    """QUEUED or RUNNING -> FAILED with the error; True if this call failed it. Audited.
    `only_if` narrows the conditional update (the reaper: the heartbeat is still stale)."""
    now = now or timezone.now()
    with transaction.atomic():
        qs = MatchRun.objects.filter(pk=run_id, status__in=(MatchRunStatus.QUEUED, MatchRunStatus.RUNNING))
        done = (qs.filter(only_if) if only_if is not None else qs).update(
            status=MatchRunStatus.FAILED, error=error[:4000], finished_at=now)
        if done:
            audit.record(actor=None, action="match_run.fail", obj=MatchRun.objects.get(pk=run_id), reason=error[:500])
            run_changed(run_id)
    return bool(done)


def run_changed(run_id: int) -> None:
    """Tells live subscribers (matchRunProgress) after commit that the run's status or progress moved."""
    publish_on_commit(f"run:{run_id}", {"run": run_id})


def _add_stages(run_id: int, stages: list[tuple[str, float]], progress: float | None = None) -> None:
    run = MatchRun.objects.get(pk=run_id)
    values: dict[str, Any] = {"stages": [*run.stages, *({"name": n, "seconds": round(s, 4)} for n, s in stages)],
                              "heartbeat_at": timezone.now()}
    if progress is not None:
        values["progress"] = progress
    if MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING).update(**values) and progress is not None:
        run_changed(run_id)


def prepare_run(run_id: int, *, now: dt.datetime | None = None) -> list[tuple[dict[str, Any], float]] | None:
    """The prepare steps in one process (`start_run`, `outline_category` per category, `dispatch_run`):
    the run's groups, each with its wall-clock safety limit; None when the run is not QUEUED, or when
    `dispatch_run` gives None (the run was failed or reaped meanwhile)."""
    started = time.time()
    categories = start_run(run_id, now=now)
    if categories is None:
        return None
    outlines = [outline_category(run_id, c, of=len(categories)) for c in categories]
    return dispatch_run(run_id, outlines, categories, started=started)


def start_run(run_id: int, *, now: dt.datetime | None = None) -> list[str] | None:
    """QUEUED -> RUNNING; the categories of the scope's needs, largest first: each is outlined by its own
    task (`outline_category`), as many at once as there are workers. None when the run is not QUEUED (a
    redelivered task) — nothing is done then."""
    now = now or timezone.now()
    if not MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.QUEUED).update(
            status=MatchRunStatus.RUNNING, started_at=now, heartbeat_at=now, progress=STARTED):
        return None
    run_changed(run_id)
    counts = adapter.scope_needs(MatchRun.objects.get(pk=run_id)).values("category").annotate(n=Count("id"))
    return [c["category"] for c in sorted(counts, key=lambda c: (-c["n"], c["category"]))]


def outline_category(run_id: int, category: str, *, of: int = 1) -> dict[str, Any] | None:
    """One category's groups, from its outline (needs, resources, windows, declined pairs; no free
    capacity), and the reasons of its needs in no group. None when the run is no longer RUNNING. The
    run's progress moves by its share of the outline (one of `of` categories) and its heartbeat with it.

    A group is a connected component of the outline's candidate graph (candidates never cross categories),
    named by its needs' and resources' ids. Every candidate of the real problem is one of the outline's, so
    every independent part of the real problem (`solver.api.prepare`) lies inside one group, and so does
    everything the merge of a part looks at (its needs' candidates, the allocations on their blocks): the
    worker that solves a group loads it with its free capacity, splits it into exactly the parts the whole
    problem has there, solves, merges, audits and explains them. Needs in no group (no candidate even
    without capacity limits) get their reasons here, from the outline, which decides them alone."""
    if not MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING).exists():
        return None
    run = MatchRun.objects.get(pk=run_id)
    with heartbeat(run_id):
        t = time.perf_counter()
        outline, keys = adapter.load_outline(run, category)
        t_load = time.perf_counter() - t
        t = time.perf_counter()
        groups, alone = outline_groups(outline)
        _, unserved = adapter.rows_of([], reasons.explain(outline, groups.cs, [], only=set(alone)), keys)
        lone = dataclasses.replace(outline, needs=tuple(outline.needs[n] for n in alone))
        t_prep = time.perf_counter() - t
    # below PREPARED, which only the dispatch sets; never backwards (an outline redelivered after the
    # dispatch finds the progress at PREPARED or beyond and leaves it)
    step = (PREPARED - STARTED) / max(of, 1)
    if MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING, progress__lt=PREPARED - 0.005).update(
            heartbeat_at=timezone.now(), progress=Least(F("progress") + Value(step), Value(PREPARED - 0.005))):
        run_changed(run_id)
    return {"category": category, "demand": sum(n.units for n in outline.needs),
            "groups": [{"category": g.category, "needs": g.need_ids, "resources": g.resource_ids,
                        "declined": g.declined, "size": g.size} for g in groups.groups],
            "leftover": {"needs": [int(n.key[1:]) for n in lone.needs], "reasons": unserved,
                         "summaries": [metrics.summarise(lone, [], 0.0, {})]},
            "stages": [("load", t_load), ("prepare", t_prep)]}


def dispatch_run(run_id: int, outlines: list[dict[str, Any] | None], categories: list[str], *,
                 started: float | None = None) -> list[tuple[dict[str, Any], float]] | None:
    """Puts the outlines of the `categories` that `start_run` named together: freezes the solver's input
    (`MatchRunSnapshot`) and returns the run's groups, each with its wall-clock safety limit (the answer
    does not depend on it: a part's CP-SAT budget is deterministic time, from its size), largest first.
    None when the run is no longer RUNNING, when an outline failed or the outlines are not those of the
    categories, each once (the run is then FAILED), or when the groups were already dispatched (a
    redelivered task: the snapshot is the claim). `started`: the epoch seconds the prepare began, for the
    "prepare wall" stage."""
    if any(o is None for o in outlines):
        fail_run(run_id, "the outline of a category did not finish")
        return None
    if sorted(o["category"] for o in outlines if o is not None) != sorted(categories):
        fail_run(run_id, "the outlines are not those of the run's categories")
        return None
    done = sorted((o for o in outlines if o is not None), key=lambda o: o["category"])
    groups = [g for o in done for g in o["groups"]]  # by category, then first need, as one outline gives
    payloads = [{"index": i, **{k: g[k] for k in ("category", "needs", "resources", "declined")}}
                for i, g in enumerate(groups)]
    leftover = {"needs": [n for o in done for n in o["leftover"]["needs"]],
                "reasons": [u for o in done for u in o["leftover"]["reasons"]],
                "summaries": [s for o in done for s in o["leftover"]["summaries"]]}
    stages: dict[str, float] = defaultdict(float)
    for o in done:
        for name, sec in o["stages"]:
            stages[name] += sec
    conf = solve_settings()
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.status != MatchRunStatus.RUNNING or MatchRunSnapshot.objects.filter(match_run=run).exists():
            return None
        MatchRunSnapshot.objects.create(match_run=run, problem={
            "groups": [{k: p[k] for k in ("category", "needs", "resources")} for p in payloads]},
            settings=conf.to_dict(), keys={"leftover": leftover})
        MatchRun.objects.filter(pk=run_id).update(
            parts_total=len(payloads), demand_quantity=sum(o["demand"] for o in done))
        # load and prepare: seconds summed over the categories' tasks; "prepare wall": from the start to here
        wall = [("prepare wall", max(0.0, time.time() - started))] if started is not None else []
        _add_stages(run_id, [("load", stages["load"]), ("prepare", stages["prepare"]), *wall], progress=PREPARED)
    # largest first: the workers' last groups are small ones, so none waits long for another at the end
    order = sorted(range(len(payloads)), key=lambda i: (-groups[i]["size"], i))
    return [(payloads[i], conf.time_limit_s) for i in order]


@dataclasses.dataclass
class Group:
    category: str
    need_ids: list[int]
    resource_ids: list[int]
    declined: dict[str, int]  # need key -> resources in reach that declined it (of all, not only the group's)
    size: int = 0  # the outline's candidates in the group


@dataclasses.dataclass
class Grouping:
    groups: list[Group]
    cs: candidates.CandidateSet  # the outline's


def outline_groups(outline: solver.Problem) -> tuple[Grouping, list[int]]:
    """The groups of the outline (connected components of its candidate graph per category, ordered by
    category and first need) and the indices of needs in none."""
    cs = candidates.build(outline)
    n_needs = len(outline.needs)
    need = np.asarray(cs.need, dtype=np.int64)
    res = np.asarray(cs.res, dtype=np.int64) + n_needs  # needs, then resources offset by n_needs
    graph = coo_matrix((np.ones(len(need), dtype=bool), (need, res)), shape=(n_needs + len(outline.resources),) * 2)
    _, label = connected_components(graph, directed=False)
    # a component is named by its first need (its smallest index), as the groups are ordered by it
    first_need = np.full(label.max(initial=0) + 1, n_needs, dtype=np.int64)
    np.minimum.at(first_need, label[need], need)
    root_of = first_need[label[need]]
    members: dict[int, tuple[set[int], set[int]]] = {}
    size: dict[int, int] = defaultdict(int)
    for root, pairs in _runs_by(root_of, need, res - n_needs):
        members[root] = (set(pairs[0].tolist()), set(pairs[1].tolist()))
        size[root] = len(pairs[0])
    groups = []
    for root in sorted(members, key=lambda k: (outline.needs[k].category, k)):
        needs, resources = members[root]
        groups.append(Group(
            outline.needs[root].category, sorted(int(outline.needs[n].key[1:]) for n in needs),
            sorted(int(outline.resources[r].key[1:]) for r in resources),
            {outline.needs[n].key: cs.diag[n].declined for n in sorted(needs) if cs.diag[n].declined},
            size[root]))
    grouped = {n for needs, _ in members.values() for n in needs}
    return Grouping(groups, cs), [n for n in range(n_needs) if n not in grouped]


def _runs_by(keys: Any, *columns: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(key, the columns' entries with that key) for each distinct key of a numpy array."""
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    cuts = np.flatnonzero(np.diff(keys)) + 1
    starts = [0, *cuts.tolist()]
    ends = [*cuts.tolist(), len(keys)]
    for a, b in zip(starts, ends, strict=True):
        if a < b:
            yield int(keys[a]), tuple(col[order[a:b]] for col in columns)


def solve_group(run: MatchRun, group: dict[str, Any], conf: solver.SolveSettings,
                time_limit_s: float) -> dict[str, Any]:
    """Loads one group with its free capacity, splits it into its independent parts, solves them and
    merges, audits and explains them (raises AuditError on a violation). Plain rows out."""
    stages: list[tuple[str, float]] = []
    t = time.perf_counter()
    problem, keys = adapter.load_problem(run, need_ids=group["needs"], resource_ids=group["resources"])
    stages.append(("part load", time.perf_counter() - t))
    t = time.perf_counter()
    problem.validate()
    cs = candidates.build(problem)
    for n, need in enumerate(problem.needs):  # declined pairs may lie outside the group: counted by prepare
        cs.diag[n].declined = group["declined"].get(need.key, 0)
    parts = decompose.split(problem, cs, conf)
    stages.append(("part prepare", time.perf_counter() - t))
    results = [solver_api.solve_part(p, conf, time_limit_s=time_limit_s) for p in parts]
    solution = solver_api.merge(problem, results, conf, cs=cs)
    t = time.perf_counter()
    found, unserved = adapter.rows_of(solution.allocations, solution.unserved, keys)
    summary = metrics.summarise(problem, solution.allocations, solution.metrics.bound,
                                solver_api.servable(problem, cs, conf))
    stages.append(("part rows", time.perf_counter() - t))
    return {"index": group["index"], "needs": [int(n.key[1:]) for n in problem.needs], "allocations": found,
            "reasons": unserved, "summary": summary, "stages": [*solution.stages, *stages], "parts": len(parts),
            "budget": solution.budget, "dtime": solution.deterministic_time_used,
            "reproducible": solution.reproducible}


def solve_run_part(run_id: int, part: dict[str, Any], time_limit_s: float) -> dict[str, Any] | None:
    """Solves one group of the run (`solve_group`); returns its rows and figures as JSON, or None when the
    run is no longer RUNNING or the solve failed (the run is then FAILED with the error, including a soft
    time limit or a failed audit)."""
    if not MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING).exists():
        return None
    try:
        with heartbeat(run_id):
            run = MatchRun.objects.get(pk=run_id)
            snapshot = MatchRunSnapshot.objects.get(match_run_id=run_id)
            conf = solver.SolveSettings.from_dict(snapshot.settings)
            result = solve_group(run, part, conf, time_limit_s)
    except Exception as exc:  # noqa: BLE001 - any failure of a part fails the run, with its message
        fail_run(run_id, f"part {part.get('index')}: {type(exc).__name__}: {exc}")
        return None
    share = Cast(F("parts_done") + 1, FloatField()) / Cast(F("parts_total"), FloatField())
    if MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING, parts_total__gt=0).update(
            parts_done=F("parts_done") + 1, heartbeat_at=timezone.now(),
            progress=Least(Value(PREPARED + PARTS_SHARE), Value(PREPARED) + Value(PARTS_SHARE) * share)):
        run_changed(run_id)
    return result


@dataclasses.dataclass
class Outcome:
    """A run's results put together from its groups' and the leftover needs'."""

    metrics: solver.Metrics
    allocations: list[adapter.AllocationRow]
    reasons: list[adapter.ReasonRow]
    needs: list[int]
    stages: list[tuple[str, float]]
    budget: float
    dtime: float
    reproducible: bool


def combine(results: list[dict[str, Any]], leftover: dict[str, Any]) -> Outcome:
    """Checks what crosses the groups (raises AuditError) and adds up their figures."""
    t = time.perf_counter()
    solver_audit.check_parts([([f"n{n}" for n in r["needs"]], {f"r{a[2]}" for a in r.get("allocations", ())})
                              for r in [*results, leftover]])
    summaries = leftover["summaries"] if "summaries" in leftover else [leftover["summary"]]  # older snapshots: one
    stages: dict[str, float] = defaultdict(float)
    for r in results:
        for name, sec in r["stages"]:
            stages[name] += sec
    allocations = sorted((a for r in results for a in r["allocations"]), key=lambda a: (f"n{a[0]}", f"r{a[2]}", a[6]))
    reasons_ = sorted((u for r in [*results, leftover] for u in r["reasons"]), key=lambda u: u[0])
    m = metrics.from_summaries([*(r["summary"] for r in results), *summaries])
    stages["finish"] += time.perf_counter() - t
    return Outcome(m, allocations, reasons_, [n for r in [*results, leftover] for n in r["needs"]],
                   sorted(stages.items()), round(sum(r["budget"] for r in results), 6),
                   round(sum(r["dtime"] for r in results), 6), all(r["reproducible"] for r in results))


def finish_run(run_id: int, results: list[dict[str, Any] | None], *, now: dt.datetime | None = None) -> bool:
    """Puts the groups' results together and writes them once. True if this call wrote them.

    A part that failed (None) or a check that fails (an AuditError is a bug, never published) ends the run
    FAILED with the error; a run that is no longer RUNNING is left alone (a second callback, the reaper)."""
    if not MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING).exists():
        return False
    if any(r is None for r in results):
        fail_run(run_id, "a part of the run did not finish")
        return False
    try:
        with heartbeat(run_id):
            snapshot = MatchRunSnapshot.objects.get(match_run_id=run_id)
            outcome = combine([r for r in results if r is not None], snapshot.keys["leftover"])
    except Exception as exc:  # noqa: BLE001 - audited failure ends the run, with its message
        fail_run(run_id, f"merge: {type(exc).__name__}: {exc}")
        return False
    return _write(run_id, outcome, now=now or timezone.now())


def _write(run_id: int, outcome: Outcome, *, now: dt.datetime) -> bool:
    t = time.perf_counter()
    m = outcome.metrics
    with transaction.atomic():
        run = MatchRun.objects.get(pk=run_id)
        stages = [*run.stages, *({"name": n, "seconds": round(s, 4)} for n, s in outcome.stages)]
        won = MatchRun.objects.filter(pk=run_id, status=MatchRunStatus.RUNNING).update(
            status=MatchRunStatus.SUCCEEDED, finished_at=now, progress=1.0, heartbeat_at=now,
            demand_quantity=m.demand, served_quantity=m.served, bound=m.bound, gap=m.gap,
            starved_communities=m.starved_communities, min_community_share=m.min_community_share,
            p10_community_share=m.p10_community_share, mean_distance_m=m.mean_distance_m,
            p90_distance_m=m.p90_distance_m, churn=m.churn, stages=stages,
            solver_budget=outcome.budget, solver_time_used=outcome.dtime, reproducible=outcome.reproducible)
        if not won:
            return False
        run_changed(run_id)
        run.refresh_from_db()
        scope = Need.objects.all() if run.scope_id is None else Need.objects.filter(
            community__subdistrict_id=run.scope_id)
        superseded = Allocation.objects.proposed().filter(need__in=scope).exclude(match_run=run).update(
            status="SUPERSEDED")
        UnservedReason.objects.filter(need_id__in=outcome.needs).delete()
        adapter.insert_rows(run, outcome.allocations, outcome.reasons)
        _notify_units(run, [a[2] for a in outcome.allocations])
        audit.record(actor=None, action="match_run.finish", obj=run, data={
            "served": m.served, "demand": m.demand, "bound": m.bound, "gap": m.gap,
            "allocations": len(outcome.allocations), "superseded": superseded,
            "unserved_needs": len(outcome.reasons), "solver_budget": outcome.budget,
            "reproducible": outcome.reproducible})
        MatchRunSnapshot.objects.filter(match_run_id=run_id).delete()  # its input is no longer needed
        MatchRun.objects.filter(pk=run_id).update(
            stages=[*stages, {"name": "write", "seconds": round(time.perf_counter() - t, 4)}])
    return True


def _notify_units(run: MatchRun, resource_ids: list[int]) -> None:
    by_unit: dict[int, int] = defaultdict(int)
    units = dict(run.allocations.values_list("resource_id", "resource__unit_id").distinct())
    for resource_id in resource_ids:
        by_unit[units[resource_id]] += 1
    notify.tell_units(kind="ALLOCATION_PROPOSED", role=Role.UNIT_ADMIN, per_unit={
        unit_id: (("run", run.pk, "unit", unit_id), {"count": count, "run": run.pk})
        for unit_id, count in sorted(by_unit.items())})


def reap_stale_runs(*, now: dt.datetime | None = None) -> int:
    """Fails RUNNING runs whose heartbeat is older than `MATCHING_STALE_AFTER_S` (their worker died) and
    QUEUED runs older than `MATCHING_QUEUED_AFTER_S` (their task was lost). Returns how many it failed."""
    now = now or timezone.now()
    close_old_connections()
    failed = 0
    is_stale = Q(status=MatchRunStatus.RUNNING, heartbeat_at__lt=now - stale_after())
    for run_id in MatchRun.objects.filter(is_stale).values_list("pk", flat=True):
        failed += fail_run(run_id, "The worker stopped responding (stale heartbeat).", now=now, only_if=is_stale)
    is_lost = Q(status=MatchRunStatus.QUEUED, created_at__lt=now - queued_after())
    for run_id in MatchRun.objects.filter(is_lost).values_list("pk", flat=True):
        failed += fail_run(run_id, "The run was never started (its task was lost).", now=now, only_if=is_lost)
    MatchRunSnapshot.objects.filter(match_run__status=MatchRunStatus.FAILED,
                                    match_run__finished_at__lt=now - SNAPSHOT_KEPT).delete()
    return failed
