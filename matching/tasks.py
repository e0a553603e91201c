"""Celery tasks of a match run (names `<verb>_<noun>_task`, primary keys in, idempotent).

prepare_match_run_task(run_id) -> chord(group(outline_match_category_task(run_id, category) ...),
dispatch_match_run_task(run_id)) -> chord(group(solve_match_part_task(run_id, part, seconds) ...),
finish_match_run_task(run_id)): each category of the run's needs is cut into groups by its own task, and
each `part` is a group of the run (its needs' and resources' ids), loaded and solved by whichever worker
takes it, as many at once as there are workers; the last callback checks what crosses groups and writes
once. With eager Celery (no broker) the chords run inline. reap_match_runs_task is periodic.
Time limits: a part's soft limit sits above its solve limit; a SoftTimeLimitExceeded fails the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from celery import chord, group, shared_task
from django.db import transaction

from core.locks import periodic_task
from matching.services import runs

PART_SOFT_LIMIT_S, PART_HARD_LIMIT_S = 600, 660
RUN_SOFT_LIMIT_S, RUN_HARD_LIMIT_S = 900, 960
REAPER_LOCK = "matching:reaper"
T = TypeVar("T")


def _or_fail(run_id: int, step: Callable[..., T], *args: Any) -> T | None:
    """The prepare step's answer; on any error the run ends FAILED with it (never stays RUNNING): None."""
    try:
        return step(*args)
    except Exception as exc:  # noqa: BLE001 - the error is the run's
        runs.fail_run(run_id, f"prepare: {type(exc).__name__}: {exc}")
        return None


@shared_task(acks_late=True, soft_time_limit=RUN_SOFT_LIMIT_S, time_limit=RUN_HARD_LIMIT_S)
def prepare_match_run_task(run_id: int) -> int:
    """Starts the run and fans out the outlines of its categories. Returns their number (0: nothing to do)."""
    started = time.time()
    categories = _or_fail(run_id, runs.start_run, run_id)
    if categories is None:
        return 0
    if not categories:
        return dispatch_match_run_task([], run_id, [], started)
    header = group(outline_match_category_task.s(run_id, category, len(categories)) for category in categories)
    transaction.on_commit(lambda: chord(header)(dispatch_match_run_task.s(run_id, categories, started)))
    return len(categories)


@shared_task(acks_late=True, soft_time_limit=RUN_SOFT_LIMIT_S, time_limit=RUN_HARD_LIMIT_S)
def outline_match_category_task(run_id: int, category: str, of: int = 1) -> dict[str, Any] | None:
    """One category's groups and the reasons of its needs in no group (None: the run failed or ended);
    `of`: the run's number of categories, for its progress."""
    return _or_fail(run_id, lambda: runs.outline_category(run_id, category, of=of))


@shared_task(acks_late=True, soft_time_limit=RUN_SOFT_LIMIT_S, time_limit=RUN_HARD_LIMIT_S)
def dispatch_match_run_task(outlines: list[dict[str, Any] | None], run_id: int, categories: list[str],
                            started: float | None = None) -> int:
    """Freezes the run's input and fans out its groups. Returns their number (0: nothing to solve)."""
    parts = _or_fail(run_id, lambda: runs.dispatch_run(run_id, list(outlines or []), categories, started=started))
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
