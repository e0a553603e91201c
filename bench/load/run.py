"""Load runs: gunicorn + PostgreSQL under locust, headless, from a second process on loopback.

    .venv/bin/python bench/load/run.py mixed [--users 50] [--run-time 60] [--residents 500] [--web-workers 3]
        [--client fast|requests]
    .venv/bin/python bench/load/run.py flash [--attempts 5000] [--users 100] [--slots 10] [--places 40]

Each run starts its own PostgreSQL cluster on a free port (never the machine's shared one), migrates
it, writes the world in bulk (canteens, residents with bearer tokens), serves it with gunicorn
(production settings, no broker: notices stay in the outbox) and drives it with locust.

mixed  80 % reads, 15 % bookings, 5 % cancellations: prints throughput, p50/p95/p99 and error rate.
flash  `attempts` booking attempts, each by a different resident, on `slots` slots of `places`:
       checks that exactly slots × places are confirmed and every counter agrees (I1).
The per-user mutation rate limit is lifted for these runs (FAULT_MUTATION_RATE): they measure capacity.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: import the project's packages
    sys.path.insert(0, str(ROOT))

from tests.faults.stack import Cluster, app_env, gunicorn, one, rows, script, stack_cleanup  # noqa: E402
from tests.servers import PrivateRedis  # noqa: E402

LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
LOCUST = str(Path(sys.executable).parent / "locust")


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.processor()}), Python {platform.python_version()}"


def _world(env: dict[str, str], *, residents: int, resources: int, places: int, sittings: int, days: int) -> Path:
    world = script(env, "from tests.faults import scenarios\nprint(json.dumps(scenarios.load_world("
                        f"{residents}, resources={resources}, places={places}, sittings={sittings}, days={days})))",
                   timeout=600)
    path = Path(tempfile.mkstemp(prefix="load-world-", suffix=".json")[1])
    path.write_text(json.dumps(world))
    return path


def _percentile(histogram: dict[float, int], share: float) -> float:
    """The response time (ms) below which `share` of the requests fell, from locust's histogram."""
    total = sum(histogram.values())
    seen = 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= share * total:
            return ms
    return 0.0


def _figures(entries: list[dict[str, Any]]) -> dict[str, Any]:
    histogram: dict[float, int] = {}
    for entry in entries:
        for ms, count in entry["response_times"].items():
            histogram[float(ms)] = histogram.get(float(ms), 0) + int(count)
    requests = sum(e["num_requests"] for e in entries)
    started = min((e["start_time"] for e in entries), default=0.0)
    ended = max((e["last_request_timestamp"] or 0.0 for e in entries), default=0.0)
    return {"requests": requests, "failures": sum(e["num_failures"] for e in entries),
            "rps": round(requests / max(ended - started, 1e-9), 1), "p50_ms": _percentile(histogram, 0.50),
            "p95_ms": _percentile(histogram, 0.95), "p99_ms": _percentile(histogram, 0.99)}


def _locust(user_class: str, world: Path, port: int, *, users: int, spawn_rate: float, run_time: int,
            extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="locust-")) / "stats"
    report = base.with_suffix(".json")  # locust adds ".json" to the name it is given
    env = {**os.environ, "LOAD_WORLD": str(world), **(extra_env or {})}
    cmd = [LOCUST, "-f", str(LOCUSTFILE), "--headless", "--host", f"http://127.0.0.1:{port}", "--users", str(users),
           "--spawn-rate", str(spawn_rate), "--run-time", f"{run_time}s", "--stop-timeout", "10",
           "--json-file", str(base), "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING",
           user_class]
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=run_time + 300)
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"locust failed ({result.returncode}):\n{result.stderr[-3000:]}")
    text = report.read_text()
    report.unlink(missing_ok=True)
    base.parent.rmdir()
    entries = json.loads(text)
    figures = _figures(entries) | {"wall_s": round(wall, 1)}
    figures["by_name"] = {e["name"]: _figures([e]) for e in entries}
    if figures["failures"]:
        figures["failure_samples"] = (result.stdout + result.stderr)[-2500:]
    return figures


def counters_agree(db: str) -> bool:
    """I1 over every slot."""
    return not rows(db, """
        SELECT s.id FROM booking_slot s LEFT JOIN booking_booking b ON b.slot_id = s.id
        GROUP BY s.id, s.booked, s.held, s.capacity
        HAVING s.booked <> coalesce(sum(b.quantity) FILTER (WHERE b.status IN ('PENDING', 'CONFIRMED',
               'CHECKED_IN')), 0) OR s.booked + s.held > s.capacity""")


def _serve(cluster: Cluster, redis_url: str = "") -> tuple[str, dict[str, str]]:
    """The database and the server's environment. With `redis_url` the shared cache (rate limits) and the
    live-update broker are on Redis as docs/DEPLOY.md runs production; without it, on the database and
    the embedded broker (the test suite's short runs)."""
    db = cluster.database()
    extra = {"CACHE_URL": redis_url.rsplit("/", 1)[0] + "/2", "LIVE_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/3"} \
        if redis_url else {}
    env = app_env(db, "", FAULT_CHANNELS="{}", FAULT_MUTATION_RATE="1000000", LOG_LEVEL="ERROR", **extra)
    return db, env


def run_mixed(cluster: Cluster, *, users: int, run_time: int, residents: int, web_workers: int = 3,
              threads: int = 4, redis_url: str = "") -> dict[str, Any]:
    db, env = _serve(cluster, redis_url)
    world = _world(env, residents=residents, resources=20, places=40, sittings=4, days=7)
    web, port = gunicorn(env, workers=web_workers, threads=threads)
    try:
        figures = _locust("MixedResident", world, port, users=users, spawn_rate=max(1, users / 5), run_time=run_time)
        figures["error_rate"] = round(figures["failures"] / max(figures["requests"], 1), 5)
        figures["confirmed"] = one(db, "SELECT count(*) FROM booking_booking WHERE status = 'CONFIRMED'")
        figures["cancelled"] = one(db, "SELECT count(*) FROM booking_booking WHERE status = 'CANCELLED'")
        figures["counters_agree"] = counters_agree(db)
        figures["server_500s"] = web.output().count('" 500 ')
        # workers started, the first web_workers included: gunicorn replaces one after max_requests
        figures["worker_boots"] = web.output().count("Booting worker")
        return figures
    finally:
        stack_cleanup(web)
        world.unlink(missing_ok=True)


def run_flash(cluster: Cluster, *, attempts: int, users: int, slots: int, places: int, web_workers: int = 3,
              threads: int = 4, redis_url: str = "") -> dict[str, Any]:
    db, env = _serve(cluster, redis_url)
    world = _world(env, residents=attempts, resources=1, places=places, sittings=slots, days=1)
    web, port = gunicorn(env, workers=web_workers, threads=threads)
    try:
        figures = _locust("FlashCrowdResident", world, port, users=users, spawn_rate=users, run_time=600,
                          extra_env={"LOAD_ATTEMPTS": str(attempts)})
        figures["error_rate"] = round(figures["failures"] / max(figures["requests"], 1), 5)
        figures["confirmed"] = one(db, "SELECT count(*) FROM booking_booking WHERE status = 'CONFIRMED'")
        figures["bookings"] = one(db, "SELECT count(*) FROM booking_booking")
        figures["expected"] = slots * places
        figures["booked_per_slot"] = [b for (b,) in rows(db, "SELECT booked FROM booking_slot WHERE booked > 0 "
                                                             "ORDER BY start")]
        figures["counters_agree"] = counters_agree(db)
        figures["server_500s"] = web.output().count('" 500 ')
        return figures
    finally:
        stack_cleanup(web)
        world.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["mixed", "flash", "both"])
    parser.add_argument("--users", type=int, default=None, help="simulated users (mixed 50, flash 100)")
    parser.add_argument("--run-time", type=int, default=60, help="mixed: seconds")
    parser.add_argument("--residents", type=int, default=500, help="mixed: residents with tokens")
    parser.add_argument("--attempts", type=int, default=5000, help="flash: booking attempts")
    parser.add_argument("--slots", type=int, default=10)
    parser.add_argument("--places", type=int, default=40)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--client", choices=["fast", "requests"], default="fast",
                        help="locust's HTTP client: FastHttpUser (default) or the requests-based HttpUser")
    parser.add_argument("--no-redis", action="store_true",
                        help="cache and live broker on the database / embedded (before issue 13's runs)")
    args = parser.parse_args()
    os.environ["LOAD_CLIENT"] = args.client  # read by the locustfile in locust's process
    print(f"machine: {machine()}, locust client: {args.client}", flush=True)
    print("starting a private PostgreSQL and migrating it (about 40 s)", flush=True)
    cluster = Cluster()
    redis = None if args.no_redis else PrivateRedis()
    if redis is not None:
        redis.start()
    url = redis.url if redis is not None else ""
    try:
        if args.scenario in ("mixed", "both"):
            figures = run_mixed(cluster, users=args.users or 50, run_time=args.run_time, residents=args.residents,
                                web_workers=args.web_workers, threads=args.threads, redis_url=url)
            print("mixed:", json.dumps(figures, indent=1), flush=True)
        if args.scenario in ("flash", "both"):
            figures = run_flash(cluster, attempts=args.attempts, users=args.users or 100, slots=args.slots,
                                places=args.places, web_workers=args.web_workers, threads=args.threads,
                                redis_url=url)
            print("flash:", json.dumps(figures, indent=1), flush=True)
            if figures["confirmed"] != figures["expected"] or not figures["counters_agree"]:
                sys.exit("flash crowd: WRONG number of confirmed bookings or counters")
    finally:
        cluster.destroy()
        if redis is not None:
            redis.destroy()


if __name__ == "__main__":
    main()
