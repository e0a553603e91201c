"""`bookSlot` over HTTP against the production server beside the raw-SQL floor, one run, one database.

    .venv/bin/python bench/stack.py [--threads 8,16,32] [--bookings 1200] [--baseline /tmp/base-tree]

Starts a private PostgreSQL and Redis on free ports (never the machine's shared ones), migrates,
writes one world in bulk (20 canteens × 12 sittings × 7 days of 40 places, residents with bearer
tokens) and then, for each thread count:

stack    gunicorn as docs/DEPLOY.md runs it (`-c config/gunicorn.conf.py config.wsgi`, production
         settings, DEBUG off, JSON logs, the Redis cache and broker): every request a different
         resident's bearer token on a different slot, spread over the 20 canteens, one keep-alive
         connection per client thread;
baseline the same against the code in `--baseline` (e.g. `git archive main | tar -x -C /tmp/base`),
         same database, same run: the before and after side by side (runs interleaved per thread
         count, so both meet the same machine load; the server CPU per booking is read from /proc);
floor    the statements a booking cannot do without, as raw SQL over psycopg in the service's order
         (BEGIN, INSERT booking, INSERT in-app notification, the conditional UPDATE of the slot last,
         COMMIT), one connection per thread, other residents, the same slots.

With `--resources N` it then asks each server (baseline and stack, interleaved) N times for
`resources(near, radiusM 1500, CANTEEN, first 20)` with 7 days of slots (`id start end remaining`) —
the issue's search — from `--resources-threads` clients (default 8), each a resident's bearer token.

Afterwards it checks that every slot's `booked` equals its counted bookings (I1) and that the
confirmed bookings equal the successes reported. Prints one table (markdown) and JSON.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.load.run import counters_agree, machine  # noqa: E402
from tests.faults.stack import Cluster, app_env, one, script  # noqa: E402
from tests.servers import PrivateRedis, free_port, wait_for_port  # noqa: E402

BOOK = "mutation($input: BookSlotInput!) { bookSlot(input: $input) { booking { id status } errors { code } } }"
SEARCH = """query($near: GeoPointInput!, $from: DateTime!, $to: DateTime!) {
  resources(near: $near, radiusM: 1500, category: CANTEEN, first: 20) { totalCount edges { node {
    id name capacity distanceM(from: $near) slots(from: $from, to: $to) { id start end remaining } } } } }"""
RESOURCES, SITTINGS, DAYS, PLACES = 20, 12, 7, 40


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Server:
    """gunicorn from `tree` with the project's gunicorn.conf.py (workers 2 × cores + 1, 4 threads)."""

    def __init__(self, tree: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = Path(tempfile.mkstemp(prefix="stack-gunicorn-", suffix=".log")[1])
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "--bind",
                                      f"127.0.0.1:{self.port}", "config.wsgi"], cwd=tree, env=env,
                                     stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port, timeout=60)

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far (from /proc)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        total = 0
        for pid in [self.proc.pid, *(int(p) for p in out.stdout.split())]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._out.close()
        text = self.log.read_text(errors="replace")
        self.log.unlink(missing_ok=True)
        return text


def _drive(threads: int, jobs: list[Any], fn: Any, make_state: Any) -> dict[str, Any]:
    """Runs `fn(state, job)` over `jobs` from `threads` threads; each returns True on success."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    latencies: list[float] = []
    failures: list[str] = []
    barrier = threading.Barrier(threads + 1)

    def worker() -> None:
        state = make_state()
        mine: list[float] = []
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        break
                    job = queue.pop()
                started = time.perf_counter()
                error = fn(state, job)
                mine.append((time.perf_counter() - started) * 1000)
                if error:
                    with lock:
                        failures.append(error)
        finally:
            with lock:
                latencies.extend(mine)
            close = getattr(state, "close", None)
            if close:
                close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {"threads": threads, "bookings": len(jobs), "ok": len(jobs) - len(failures), "failed": len(failures),
            "per_s": round((len(jobs) - len(failures)) / wall, 1),
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1), "failures": failures[:3]}


def stack_run(port: int, threads: int, jobs: list[tuple[str, str, str]]) -> dict[str, Any]:
    def book(conn: http.client.HTTPConnection, job: tuple[str, str, str]) -> str | None:
        token, resource, start = job
        body = json.dumps({"query": BOOK, "variables": {"input": {"resourceId": resource, "start": start}}})
        conn.request("POST", "/graphql/", body=body, headers={"Content-Type": "application/json",
                                                            "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            return f"HTTP {response.status}: {data[:200]!r}"
        answer = json.loads(data)
        payload = (answer.get("data") or {}).get("bookSlot") or {}
        if answer.get("errors") or payload.get("errors") or (payload.get("booking") or {}).get("status") != "CONFIRMED":
            return json.dumps(answer)[:300]
        return None

    return _drive(threads, jobs, book, lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=60))


def resources_run(port: int, threads: int, jobs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    def search(conn: http.client.HTTPConnection, job: tuple[str, dict[str, Any]]) -> str | None:
        token, variables = job
        conn.request("POST", "/graphql/", body=json.dumps({"query": SEARCH, "variables": variables}),
                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            return f"HTTP {response.status}: {data[:200]!r}"
        answer = json.loads(data)
        edges = ((answer.get("data") or {}).get("resources") or {}).get("edges") or []
        if answer.get("errors") or len(edges) != RESOURCES or not all(e["node"]["slots"] for e in edges):
            return json.dumps(answer)[:300]
        return None

    return _drive(threads, jobs, search, lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=60))


def floor_run(db: str, threads: int, jobs: list[tuple[int, int, int, dt.datetime, dt.datetime]]) -> dict[str, Any]:
    def book(conn: psycopg.Connection[Any], job: tuple[int, int, int, dt.datetime, dt.datetime]) -> str | None:
        user_id, resource_id, slot_id, start, end = job
        with conn.transaction(), conn.cursor() as cur:  # BEGIN … COMMIT
            booking_id = cur.execute(
                "INSERT INTO booking_booking (resource_id, slot_id, user_id, start, \"end\", quantity, status, "
                "status_reason, plate_number, note, check_in_code, calendar_secret, \"group\", created_at) "
                "VALUES (%s, %s, %s, %s, %s, 1, 'CONFIRMED', '', '', '', %s, %s, gen_random_uuid(), now()) "
                "RETURNING id", [resource_id, slot_id, user_id, start, end, f"{user_id % 1_000_000:06d}",
                                 f"floor-{user_id}"]).fetchone()[0]  # type: ignore[index]
            cur.execute("INSERT INTO notifications_notification (user_id, kind, key, params, booking_id, created_at) "
                        "VALUES (%s, 'BOOKING_CONFIRMED', %s, '{}', %s, now())",
                        [user_id, f"booking:{booking_id}:confirmed", booking_id])
            cur.execute("UPDATE booking_slot SET booked = booked + 1 WHERE id = %s AND NOT closed "
                        "AND booked + held + 1 <= capacity", [slot_id])
            if cur.rowcount != 1:
                raise RuntimeError("the floor found a slot full")
        return None

    return _drive(threads, jobs, book, lambda: psycopg.connect(db))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="8,16,32")
    parser.add_argument("--bookings", type=int, default=1200, help="per thread count and variant")
    parser.add_argument("--baseline", default="", help="a tree of the code to compare (e.g. main, exported)")
    parser.add_argument("--order", default="baseline,stack,floor")
    parser.add_argument("--resources", type=int, default=0, help="resources searches per server (0: none)")
    parser.add_argument("--resources-threads", type=int, default=8)
    parser.add_argument("--sittings", type=int, default=SITTINGS, help="sittings a day per canteen (slots)")
    args = parser.parse_args()
    counts = [int(t) for t in args.threads.split(",")]
    variants = [v for v in args.order.split(",") if v != "baseline" or args.baseline]
    log(f"machine: {machine()}; load: {os.getloadavg()}")
    cluster = Cluster()
    redis = PrivateRedis()
    redis.start()
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    try:
        db = cluster.database()
        base_env = app_env(db, "")
        need = args.bookings * len(counts) * len(variants)
        world = (f"{need}, resources={RESOURCES}, places={PLACES}, sittings={args.sittings}, days={DAYS}")
        w = script(base_env, f"from tests.faults import scenarios\nprint(json.dumps(scenarios.load_world({world})))",
                   timeout=900)
        pairs = [(r, s) for s in w["starts"] for r in w["resources"]]
        assert len(pairs) >= args.bookings, "more bookings per run than slots"
        users = [uid for (uid,) in psycopg.connect(db).execute(
            "SELECT u.id FROM marketplace_user u JOIN oauth2_provider_accesstoken t ON t.user_id = u.id "
            "WHERE u.username LIKE 'load-%%' ORDER BY t.id").fetchall()]
        with psycopg.connect(db) as conn:
            slot_rows = conn.execute("SELECT s.id, s.resource_id, s.start, s.\"end\" FROM booking_slot s").fetchall()
        slot_of = {(rid, start): (sid, end) for sid, rid, start, end in slot_rows}
        env = app_env(db, redis.url.replace("/0", "/1"), CACHE_URL=redis.url.replace("/0", "/2"),
                      LIVE_BROKER_URL=redis.url.replace("/0", "/3"),
                      DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="INFO")
        env.pop("WEB_CONCURRENCY", None)
        env.pop("WEB_THREADS", None)
        servers: dict[str, Server] = {}
        try:
            for variant in variants:  # both servers up at once, idle until driven: runs interleave below
                if variant in ("stack", "baseline"):
                    servers[variant] = Server(Path(args.baseline) if variant == "baseline" else ROOT, env)
            time.sleep(2)  # let every worker finish importing before the clock starts
            next_user = 0
            for threads in counts:
                for variant in variants:  # interleaved, so each thread count meets the same machine load
                    chosen = range(next_user, next_user + args.bookings)
                    next_user += args.bookings
                    server = servers.get(variant)
                    if server is not None:
                        jobs = [(w["tokens"][u], *pairs[k % len(pairs)]) for k, u in enumerate(chosen)]
                        n = min(len(jobs) // 4, 5 * threads)  # warm every worker (imports, document cache)
                        warm = stack_run(server.port, threads, jobs[:n])
                        cpu = server.cpu_seconds()
                        figures = stack_run(server.port, threads, jobs[n:])
                        figures["server_cpu_ms_per_booking"] = round(
                            1000 * (server.cpu_seconds() - cpu) / max(figures["ok"], 1), 1)
                        figures["warm_ok"] = warm["ok"]
                    else:
                        fjobs = []
                        for k, u in enumerate(chosen):
                            gid, start = pairs[k % len(pairs)]
                            rid = int(_from_global(gid))
                            at = dt.datetime.fromisoformat(start)
                            sid, end = slot_of[(rid, at)]
                            fjobs.append((users[u], rid, sid, at, end))
                        figures = floor_run(db, threads, fjobs)
                    figures["load"] = round(os.getloadavg()[0], 1)
                    results[variant].append(figures)
                    log(f"{variant:8} {json.dumps(figures)}")
            if args.resources:
                days = sorted({s[:10] for s in w["starts"]})
                variables = {"near": {"lat": 39.912, "lon": 116.372}, "from": f"{days[0]}T00:00:00+08:00",
                             "to": f"{days[-1]}T23:59:00+08:00"}
                jobs = [(w["tokens"][k % len(w["tokens"])], variables) for k in range(args.resources)]
                for server in servers.values():
                    resources_run(server.port, args.resources_threads, jobs[:50])  # warm every worker
                for variant, server in servers.items():
                    figures = resources_run(server.port, args.resources_threads, jobs)
                    figures["load"] = round(os.getloadavg()[0], 1)
                    results.setdefault(f"resources/{variant}", []).append(figures)
                    log(f"resources/{variant} {json.dumps(figures)}")
        finally:
            for variant, server in servers.items():
                output = server.stop()
                results.setdefault("server_500s", []).append({variant: output.count('" 500 ')})  # type: ignore[arg-type]
        confirmed = one(db, "SELECT count(*) FROM booking_booking WHERE status = 'CONFIRMED'")
        reported = sum(r["ok"] + r.get("warm_ok", 0) for v in variants for r in results[v])
        check = {"counters_agree": counters_agree(db), "confirmed": confirmed, "reported_ok_incl_warm_up": reported}
        log(json.dumps(check))
    finally:
        redis.destroy()
        cluster.destroy()
    print(table(results, counts, variants))
    for variant in variants:
        for r in results.get(f"resources/{variant}", []):
            print(f"resources, {variant}, {r['threads']} clients: {r['per_s']:.0f} req/s, p50 {r['p50_ms']:.0f} ms, "
                  f"p95 {r['p95_ms']:.0f} ms, {r['failed']} failed")
    print(json.dumps({"results": results, "check": check}))
    if not check["counters_agree"] or confirmed != reported:
        sys.exit("WRONG: counters or confirmed bookings disagree")


def _from_global(gid: str) -> str:
    return base64.b64decode(gid).decode().split(":", 1)[1]


def table(results: dict[str, list[dict[str, Any]]], counts: list[int], variants: list[str]) -> str:
    floor = {r["threads"]: r for r in results.get("floor", [])}
    lines = ["| threads | " + " | ".join(f"{v} (bookings/s (p50 / p95 ms; server CPU per booking))"
                                          if v != "floor" else "floor (bookings/s (p50 / p95 ms))" for v in variants)
             + (" | stack / floor" if "floor" in variants and "stack" in variants else "") + " |",
             "|---:|" + "---:|" * len(variants) + ("---:|" if "floor" in variants and "stack" in variants else "")]
    for i, t in enumerate(counts):
        cells = [f"{results[v][i]['per_s']:.0f} ({results[v][i]['p50_ms']:.0f} / {results[v][i]['p95_ms']:.0f}"
                 + (f"; {results[v][i]['server_cpu_ms_per_booking']:.1f} ms CPU" if v != "floor" else "") + ")"
                 for v in variants]
        ratio = ""
        if "floor" in variants and "stack" in variants:
            ratio = f" | {100 * results['stack'][i]['per_s'] / floor[t]['per_s']:.1f} %"
        lines.append(f"| {t} | " + " | ".join(cells) + ratio + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
