"""Celery tasks of a match run (names `<verb>_<noun>_task`, primary keys in, idempotent).

prepare_match_run_task(run_id) -> chord(group(solve_match_part_task(run_id, part, seconds) ...),
finish_match_run_task(run_id)): each `part` is a group of the run (its needs' and resources' ids), loaded
and solved by whichever worker takes it, as many at once as there are workers; the callback checks what
crosses groups and writes once. With eager Celery (no broker) the chord runs inline. reap_match_runs_task is periodic.
Time limits: a part's soft limit sits above its solve limit; a SoftTimeLimitExceeded fails the run.
"""

from __future__ import annotations

from typing import Any

from celery import chord, group, shared_task
from django.db import transaction

from core.locks import periodic_task
from matching.services import runs

PART_SOFT_LIMIT_S, PART_HARD_LIMIT_S = 600, 660
RUN_SOFT_LIMIT_S, RUN_HARD_LIMIT_S = 900, 960
REAPER_LOCK = "matching:reaper"


@shared_task(acks_late=True, soft_time_limit=RUN_SOFT_LIMIT_S, time_limit=RUN_HARD_LIMIT_S)
def prepare_match_run_task(run_id: int) -> int:
    """Loads and splits the run, then fans out its parts. Returns the number of parts (0: nothing to do)."""
    try:
        parts = runs.prepare_run(run_id)
    except Exception as exc:  # noqa: BLE001 - the run ends FAILED with the error, never stays RUNNING
        runs.fail_run(run_id, f"prepare: {type(exc).__name__}: {exc}")
        return 0
    if parts is None:
        return 0
    if not parts:
        runs.finish_run(run_id, [])
        return 0
    header = group(solve_match_part_task.s(run_id, part, seconds) for part, seconds in parts)
    transaction.on_commit(lambda: chord(header)(finish_match_run_task.s(run_id)))
    return len(parts)


@shared_task(acks_late=True, soft_time_limit=PART_SOFT_LIMIT_S, time_limit=PART_HARD_LIMIT_S)
def solve_match_part_task(run_id: int, part: dict[str, Any], seconds: float) -> dict[str, Any] | None:
    return runs.solve_run_part(run_id, part, seconds)


@shared_task(acks_late=True, soft_time_limit=RUN_SOFT_LIMIT_S, time_limit=RUN_HARD_LIMIT_S)
def finish_match_run_task(results: list[dict[str, Any] | None], run_id: int) -> bool:
    try:
        return runs.finish_run(run_id, list(results or []))
    except Exception as exc:  # noqa: BLE001 - the run ends FAILED with the error
        runs.fail_run(run_id, f"finish: {type(exc).__name__}: {exc}")
        return False


@periodic_task(lock=REAPER_LOCK, soft_time_limit=50, time_limit=58)
def reap_match_runs_task() -> int:
    """Periodic (beat): fails runs whose worker died."""
    return runs.reap_stale_runs()
