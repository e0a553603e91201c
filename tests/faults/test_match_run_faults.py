"""kill -9 of the Celery worker in the middle of a match run (real workers, private Redis and
PostgreSQL): the run ends SUCCEEDED after the lost part is redelivered, or FAILED through the
reaper — never half-written, never with duplicated allocations or notices."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from .stack import app_env, one, rows, script, send, stack_cleanup, wait_until, worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
REAP = "matching.tasks.reap_match_runs_task"


def test_kill_9_during_a_match_run_ends_succeeded_or_failed_never_half_written(
        postgres_only, cluster, private_redis_server):
    # given two independent parts (needs of 30 and 20), a worker whose parts take 60 s, redelivery after
    # 6 s and a reaper that fails runs silent for 40 s
    db = cluster.database()
    marker = Path(tempfile.mkstemp(prefix="fault-parts-")[1])
    common = {"FAULT_VISIBILITY_TIMEOUT": "6", "FAULT_MATCHING_STALE_AFTER_S": "40",
              "FAULT_MATCHING_HEARTBEAT_S": "1", "FAULT_MATCHING_TIME_LIMIT_S": "5", "FAULT_MARKER": str(marker)}
    env = app_env(db, private_redis_server.url, **common)
    script(app_env(db), "from tests.faults import scenarios\nprint(json.dumps(scenarios.matching_two_parts()))")
    first = worker(env | {"FAULT_SLOW_PARTS": "60"}, name="slow")
    second = None
    try:
        run_id = script(env, "from tests.faults import scenarios\nprint(scenarios.start_run())")
        # when the worker is killed (-9, all its processes) while a part is being solved
        wait_until(lambda: marker.read_text().count("part started") >= 1, timeout=60, what="a part to start")
        first.kill9()
        assert one(db, "SELECT status FROM matching_matchrun WHERE id = %s", (run_id,)) == "RUNNING"
        # and another worker comes up, with the reaper running as beat would run it
        second = worker(env, name="healthy")

        def final() -> str | None:
            send(private_redis_server.url, REAP)
            status = one(db, "SELECT status FROM matching_matchrun WHERE id = %s", (run_id,))
            return status if status in ("SUCCEEDED", "FAILED") else None

        status = wait_until(final, timeout=120, what="the run to end", every=1.0)
        # then it is all or nothing, written once
        allocations = rows(db, "SELECT need_id, quantity FROM matching_allocation WHERE match_run_id = %s "
                               "ORDER BY quantity DESC", (run_id,))
        finishes = one(db, "SELECT count(*) FROM marketplace_auditentry WHERE action = 'match_run.finish' "
                           "AND object_id = %s", (str(run_id),))
        notices = rows(db, "SELECT key, count(*) FROM notifications_notification WHERE kind = "
                           "'ALLOCATION_PROPOSED' GROUP BY key")
        if status == "SUCCEEDED":
            served, parts_total = rows(db, "SELECT served_quantity, parts_total FROM matching_matchrun "
                                           "WHERE id = %s", (run_id,))[0]
            assert [q for _, q in allocations] == [30, 20] and served == 50 and parts_total == 2
            assert len({n for n, _ in allocations}) == 2
            assert finishes == 1 and len(notices) == 2 and {c for _, c in notices} == {1}
        else:
            assert allocations == [] and finishes == 0 and notices == []
            assert one(db, "SELECT count(*) FROM matching_unservedreason WHERE match_run_id = %s", (run_id,)) == 0
        print(f"the run ended {status}")
    finally:
        stack_cleanup(first, second)
        marker.unlink(missing_ok=True)
