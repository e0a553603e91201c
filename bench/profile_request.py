"""Where the milliseconds of one API request go: each operation run sequentially in this process
through Django's full request path (middleware, the `/graphql/` view, authentication, execution),
production settings (DEBUG off, JSON logs), on PostgreSQL; its p50, its SQL statements and,
with `--profile`, a pyinstrument profile of it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_profile python bench/profile_request.py \
        [--requests 200] [--profile bookSlot] [--show-sql]

Operations: `typename` (anonymous), `typename_token` (with a bearer token), `bookSlot` (distinct
residents, distinct slots over 20 canteens), `resources` (near, 1500 m, CANTEEN, 7 days of slots,
first 20), `myBookings` (first 50); bench/load's mixed reads: `list` (resources, first 20, no slots), `day` (one
resource's slots of a day). It creates and drops its own test database (test_<name>).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.fault_settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("FAULT_MUTATION_RATE", "1000000")
os.environ.setdefault("FAULT_CHANNELS", "{}")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/9")  # cache and live broker as docs/DEPLOY.md runs
os.environ.setdefault("LIVE_BROKER_URL", "redis://127.0.0.1:6379/8")

import django  # noqa: E402

import config  # noqa: E402,F401 - the Celery app reads the settings first

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

RESOURCES = """query($near: GeoPointInput!, $from: DateTime!, $to: DateTime!) {
  resources(near: $near, radiusM: 1500, category: CANTEEN, first: 20) { totalCount edges { node {
    id name capacity distanceM(from: $near) slots(from: $from, to: $to) { id start end remaining } } } } }"""
MINE = "query { myBookings(first: 50) { totalCount edges { node { id status start end resource { name } } } } }"
BOOK = "mutation($input: BookSlotInput!) { bookSlot(input: $input) { booking { id status } errors { code } } }"
# the reads of bench/load's mixed run (bench/load/locustfile.py)
LIST = "query { resources(first: 20) { totalCount edges { node { id name capacity } } } }"
DAY = """query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on Resource {
  slots(from: $from, to: $to) { id start remaining } } } }"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def world(residents: int) -> dict[str, Any]:
    from tests.faults import scenarios

    return scenarios.load_world(residents, resources=20, places=400, sittings=4, days=7)  # type: ignore[no-any-return]


class Runner:
    def __init__(self, w: dict[str, Any]) -> None:
        self.w = w
        self.client = Client(raise_request_exception=True)
        self.next_user = 0
        self.next_slot = 0

    def post(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        response = self.client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                                    content_type="application/json", **headers)
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        return body  # type: ignore[no-any-return]

    def op(self, name: str) -> Any:
        w = self.w
        if name == "typename":
            return lambda: self.post("{ __typename }")
        if name == "typename_token":
            return lambda: self.post("{ __typename }", token=w["tokens"][0])
        if name == "resources":
            day = w["starts"][0][:10]
            last = w["starts"][-1][:10]
            variables = {"near": {"lat": 39.912, "lon": 116.372}, "from": f"{day}T00:00:00+08:00",
                         "to": f"{last}T23:59:00+08:00"}
            return lambda: self.post(RESOURCES, variables, token=w["tokens"][1])
        if name == "myBookings":
            return lambda: self.post(MINE, token=w["tokens"][2])
        if name == "list":
            return lambda: self.post(LIST, token=w["tokens"][3])
        if name == "day":
            day = w["starts"][0][:10]
            variables = {"id": w["resources"][0], "from": f"{day}T00:00:00+08:00", "to": f"{day}T23:59:00+08:00"}
            return lambda: self.post(DAY, variables, token=w["tokens"][3])
        if name == "bookSlot":
            def book() -> None:
                i = self.next_user = self.next_user + 1
                j = self.next_slot = self.next_slot + 1
                resource = w["resources"][j % len(w["resources"])]
                start = w["starts"][(j // len(w["resources"])) % len(w["starts"])]
                body = self.post(BOOK, {"input": {"resourceId": resource, "start": start}}, token=w["tokens"][10 + i])
                assert not body["data"]["bookSlot"]["errors"], body
            return book
        raise SystemExit(f"unknown operation {name}")


def seed_bookings(runner: Runner, count: int) -> None:
    """Gives the myBookings resident `count` bookings to list."""
    w = runner.w
    for k in range(count):
        resource = w["resources"][k % len(w["resources"])]
        start = w["starts"][k // len(w["resources"])]
        runner.post(BOOK, {"input": {"resourceId": resource, "start": start}}, token=w["tokens"][2])


def measure(runner: Runner, name: str, requests: int, *, show_sql: bool, profile: bool) -> dict[str, Any]:
    fn = runner.op(name)
    for _ in range(5):
        fn()  # warm: caches, connections, the document cache
    with CaptureQueriesContext(connection) as queries:
        fn()
    statements = len(queries.captured_queries)  # read now: the next request resets the log
    if show_sql:
        for q in queries.captured_queries:
            log(f"    {q['sql'][:300]}")
    times = []
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    cpu0 = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu0) * 1000 / requests
    if profiler is not None:
        profiler.stop()
        out = Path(tempfile.gettempdir()) / f"profile-{name}.txt"
        out.write_text(profiler.output_text(unicode=False, color=False, show_all=os.environ.get("PROFILE_ALL") == "1"))
        log(f"    profile written to {out}")
    times.sort()
    return {"op": name, "p50_ms": round(statistics.median(times), 2), "mean_ms": round(statistics.fmean(times), 2),
            "cpu_ms": round(cpu, 2), "statements": statements}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--ops", default="typename,typename_token,resources,myBookings,bookSlot")
    parser.add_argument("--profile", default="", help="comma-separated operations to profile")
    parser.add_argument("--show-sql", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL=postgres://... (the benchmark measures PostgreSQL)")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        ops = args.ops.split(",")
        w = world(20 + 10 + args.requests + 10)
        runner = Runner(w)
        seed_bookings(runner, 50)
        profiled = set(args.profile.split(",")) - {""}
        for name in ops:
            result = measure(runner, name, args.requests, show_sql=args.show_sql, profile=name in profiled)
            log(json.dumps(result))
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
