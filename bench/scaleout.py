"""Scale-out of matching: the wall time of one match run through the real Celery chord on a Redis
broker, with 1, 2 and 4 worker processes.

    .venv/bin/python bench/scaleout.py [--scale 16] [--processes 1,2,4] [--time-limit 20]

Starts its own PostgreSQL and Redis on free ports (never the machine's shared servers), migrates,
loads the demo district at `--scale` without the demo's stored slots and bookings (the run reads
capacity from virtual slots, as beyond the stored horizon), then for each process count starts one
`celery worker -c N`, queues a district-wide run (`start_match_run`), waits until it ends, and
prints the run's wall time (queued → finished), its serial part (`serial_s`: the stages outside the
groups in worker seconds — outline load and grouping summed over the categories' tasks, finish, write;
`serial_wall_s`: the same on the clock), its stages, groups and served/demand, and the load
average when it ended. Between runs the results are deleted, so every run solves the same problem
from scratch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # this file is bench/scaleout.py: import the project's packages

from tests.faults.stack import Cluster, app_env, rows, script, stack_cleanup, worker  # noqa: E402
from tests.servers import PrivateRedis  # noqa: E402

LOAD = """
import time
from django.db import transaction
from django.utils import timezone
from marketplace.demo.district import generate
from marketplace.demo.loader import DemoContext, load_geography, load_units, load_people
from matching.demo import load_needs
from booking.demo import load_hours
from booking.models.hours import ResourceHours
t = time.monotonic()
ctx = DemoContext(district=generate(scale={scale}, seed=1), today=timezone.localdate())
with transaction.atomic():
    for stage in (load_geography, load_units, load_people, load_needs, load_hours):
        stage(ctx, lambda n=1: None)
    ResourceHours.objects.update(materialised_until=None)  # no stored slots: every slot is virtual
print(json.dumps({{"seconds": round(time.monotonic() - t, 1)}}))
"""
RESET = """
from matching.models import Allocation, MatchRun, UnservedReason
UnservedReason.objects.all().delete(); Allocation.objects.all().delete(); MatchRun.objects.all().delete()
print(json.dumps(None))
"""
START = """
from matching.services.runs import start_match_run
print(json.dumps(start_match_run(actor=None).pk))
"""


SERIAL = ("load", "prepare", "finish", "write")  # the run's stages outside the parts, in worker seconds
SERIAL_WALL = ("prepare wall", "finish", "write")  # the same on the clock (from the run's start to its dispatch)


def run_once(db: str, env: dict[str, str], processes: int, timeout: float) -> dict[str, object]:
    script(env, RESET)
    proc = worker(env, concurrency=processes, name=f"bench{processes}")
    try:
        run_id = script(env, START)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = rows(db, "SELECT status FROM matching_matchrun WHERE id = %s", (run_id,))[0][0]
            if status in ("SUCCEEDED", "FAILED"):
                break
            time.sleep(1)
        (status, wall, parts, served, demand, stages, error) = rows(db, """
            SELECT status, extract(epoch FROM finished_at - created_at), parts_total, served_quantity,
                   demand_quantity, stages, error FROM matching_matchrun WHERE id = %s""", (run_id,))[0]
        named = {s["name"]: s["seconds"] for s in stages or []}
        return {"processes": processes, "status": status, "wall_s": round(float(wall or 0), 1), "parts": parts,
                "served": served, "demand": demand, "error": error,
                "serial_s": round(sum(named.get(n, 0.0) for n in SERIAL), 1),
                # on the clock: the categories' outlines run side by side on several workers
                "serial_wall_s": round(sum(named.get(n, 0.0) for n in SERIAL_WALL), 1),
                "load_average": [round(x, 2) for x in os.getloadavg()], "stages": named}
    finally:
        stack_cleanup(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=16)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--time-limit", type=float, default=20.0, help="MATCHING_TIME_LIMIT_S of the run")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per run, seconds")
    args = parser.parse_args()
    redis = PrivateRedis()
    redis.start()
    cluster = Cluster()
    try:
        db = cluster.database()
        env = app_env(db, redis.url, FAULT_MATCHING_TIME_LIMIT_S=str(args.time_limit), LOG_LEVEL="WARNING")
        loaded = script(app_env(db, ""), LOAD.format(scale=args.scale), timeout=3600)
        print(f"loaded the district at scale {args.scale:g} in {loaded['seconds']} s", flush=True)
        for n in [int(p) for p in args.processes.split(",")]:
            print(json.dumps(run_once(db, env, n, args.timeout)), flush=True)
    finally:
        cluster.destroy()
        redis.destroy()


if __name__ == "__main__":
    main()
