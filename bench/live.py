"""Live updates under load (issue 15): N subscribers of one resource's slots (slotsChanged) on the stream
process while bookings are made through /graphql/ at a fixed rate: delivery latency, events lost, and the
CPU of the stream and web processes; and the request path's throughput with and without N idle
subscribers open, in the same run.

    .venv/bin/python bench/live.py [--subscribers 1000] [--rate 50] [--seconds 30] [--slots 4]
        [--rp-seconds 15] [--rp-concurrency 8] [--json-out FILE]

Servers, as docs/DEPLOY.md runs them in production: the web process is gunicorn with the gthread
workers of config/gunicorn.conf.py (config.wsgi: the bookings), the stream process gunicorn with one
uvicorn-worker (config.asgi: /graphql/stream), both with DJANGO_SETTINGS_MODULE=config.settings, on
PostgreSQL (`--database-url`, made afresh for each run from a migrated template) with Redis as the live broker, the
cache (the rate limits) and the Celery broker (`--redis-url`; the tasks it leaves there are deleted at
the end). Every run makes its own canteens and residents (tests/faults/scenarios.load_world).

Phases, one after the other:
  A  request path, no subscribers: `--rp-concurrency` clients book (bookSlot over HTTP) as fast as they are
     answered for `--rp-seconds` on a second canteen; throughput and latency;
  B  the same with N idle subscribers open (subscribed to the first canteen, which nobody books);
  L  live: bookings of the first canteen's `--slots` sittings at `--rate` a second for `--seconds`
     (open loop), each by a resident who books nothing else there (the mutation rate limit is per user,
     and a resident may hold one booking per slot), while the N subscribers receive the changes;
  A' request path again with the subscribers closed (the machine is shared: the drift between A and A').

Latency of a booking at a subscriber: from its commit to the first event at that subscriber whose
re-read `booked` includes it. The commit's time is when this benchmark's own Redis subscriber (in the
load process) saw the k-th event of that slot, published right after the k-th commit (the web process
publishes after commit; the k-th publication of a slot follows at least k commits of it, so this under-
rather than over-states the commit's time by the publish hop, ~1 ms). Events of one slot waiting for a
busy stream are coalesced by the server (one re-read shows the latest count), so one event can carry
several bookings. Also given from the booking's HTTP answer (negative when the event came first).
Lost = (subscriber, booking) pairs whose booking no event ever showed before the drain timeout.
CPU: user + system seconds of each server's process tree over a phase (/proc), in % of one core.
The subscribers are raw asyncio HTTP/1.1 clients in this process (cheap: one socket each); each one
signs in with its own resident's bearer token (`--anonymous` for none).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from tests.faults.stack import MANAGE, PY, Process, app_env, script  # noqa: E402
from tests.servers import free_port, wait_for_port  # noqa: E402

SUBSCRIBE_SLOTS = """subscription($r: ID!, $from: DateTime!, $to: DateTime!) {
  slotsChanged(resourceId: $r, from: $from, to: $to) { id start booked remaining closed } }"""
BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) {
  booking { id status } errors { field code } } }"""
SETUP = ("from tests.faults import scenarios\n"
         "print(json.dumps(scenarios.load_world({residents}, resources=2, places=100000, sittings={sittings}, "
         "days={days})))")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the servers -----------------------------------------------------------------------------------------
def tree(pid: int) -> list[int]:
    """The pid and its descendants."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = defaultdict(list)
    for line in out.splitlines():
        p, pp = (int(x) for x in line.split())
        children[pp].append(p)
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process tree (living processes; gunicorn's workers live all run)."""
    total = 0.0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def fresh_database(url: str, env: dict[str, str]) -> None:
    """`url`'s database, dropped and made again from `<name>_template` (created and migrated when
    missing, migrated again when behind): every run starts from empty tables (the data factories'
    names restart in each process) without migrating for half a minute."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    template = f"{name}_template"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).fetchone():
            conn.execute(f'CREATE DATABASE "{template}"')
    result = subprocess.run([PY, "-c", MANAGE, "migrate", "--no-input", "-v", "0"], cwd=ROOT,
                            env={**env, "DATABASE_URL": url.rsplit("/", 1)[0] + "/" + template},
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed: {result.stderr[-3000:]}")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def start_web(env: dict[str, str], workers: int | None) -> tuple[Process, int]:
    port = free_port()
    extra = ["--workers", str(workers)] if workers else []
    proc = Process([PY, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", *extra,
                    "config.wsgi"], env, "bench-live-web")
    _wait_up(proc, port)
    return proc, port


def start_stream(env: dict[str, str], workers: int) -> tuple[Process, int]:
    port = free_port()
    proc = Process([PY, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "-k", "uvicorn_worker.UvicornWorker",
                    "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "config.asgi"], env,
                   "bench-live-stream")
    _wait_up(proc, port)
    return proc, port


def _wait_up(proc: Process, port: int) -> None:
    try:
        wait_for_port(port, timeout=120)
    except TimeoutError:
        raise RuntimeError(proc.output()[-3000:]) from None


# --- the load process: bookings over HTTP ----------------------------------------------------------------------
def _book_body(resource_id: str, start: str) -> dict[str, Any]:
    return {"query": BOOK, "variables": {"input": {"resourceId": resource_id, "start": start}}}


async def _book(client: Any, url: str, token: str, resource_id: str, start: str) -> tuple[float, float, str | None]:
    """(sent, answered, error code or None) of one bookSlot."""
    sent = time.time()
    try:
        answer = await client.post(url, json=_book_body(resource_id, start),
                                   headers={"Authorization": f"Bearer {token}"})
        body = answer.json()
        payload = (body.get("data") or {}).get("bookSlot")
        if payload is None:
            code = (body.get("errors") or [{}])[0].get("extensions", {}).get("code", f"HTTP {answer.status_code}")
        else:
            code = payload["errors"][0]["code"] if payload["errors"] else None
    except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
        code = type(exc).__name__
    return sent, time.time(), code


def closed_loop(url: str, tokens: list[str], resource_id: str, starts: list[str], first: int, concurrency: int,
                seconds: float) -> dict[str, Any]:
    """`concurrency` clients book back to back for `seconds`; booking k is resident k % R on sitting
    (k // R) % S, so nobody books a sitting twice or more than the rate limit allows."""
    import httpx

    async def run() -> dict[str, Any]:
        counter = [first]
        results: list[tuple[float, float, str | None]] = []
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            t0 = time.time()

            async def client_loop() -> None:
                while time.time() - t0 < seconds:
                    k = counter[0]
                    counter[0] += 1
                    results.append(await _book(client, url, tokens[k % len(tokens)], resource_id,
                                               starts[(k // len(tokens)) % len(starts)]))

            await asyncio.gather(*(client_loop() for _ in range(concurrency)))
            wall = time.time() - t0
        return {"results": results, "wall": wall, "next": counter[0]}

    return asyncio.run(run())


def open_loop(url: str, tokens: list[str], resource_id: str, starts: list[str], rate: float, seconds: float,
              redis_url: str, channel: str, topic: str) -> dict[str, Any]:
    """Booking k at t0 + k / rate by resident k on sitting k % S, whatever the answers' latency; and the
    times at which this process saw each of that canteen's events on the broker (the commits)."""
    import httpx
    import redis

    published: list[tuple[float, int]] = []
    stop = threading.Event()
    subscribed = threading.Event()

    def monitor() -> None:
        pubsub = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(channel)
        pubsub.get_message(timeout=5)  # the subscription's confirmation
        subscribed.set()
        while not stop.is_set():
            message = pubsub.get_message(timeout=0.2)
            if message and message["type"] == "message":
                now = time.time()
                event = json.loads(message["data"])
                if event["t"] == topic:
                    published.append((now, int(event["p"]["start"])))
        pubsub.close()

    watcher = threading.Thread(target=monitor, daemon=True)
    watcher.start()
    if not subscribed.wait(10):
        raise RuntimeError("could not subscribe to the broker")
    count = int(rate * seconds)

    async def run() -> list[tuple[float, float, str | None, str]]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            t0 = time.monotonic()

            async def one(k: int) -> tuple[float, float, str | None, str]:
                start = starts[k % len(starts)]
                return (*(await _book(client, url, tokens[k], resource_id, start)), start)

            tasks = []
            for k in range(count):
                delay = t0 + k / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)  # the booking rate's clock
                tasks.append(asyncio.create_task(one(k)))
            return list(await asyncio.gather(*tasks))

    results = asyncio.run(run())
    ok = sum(1 for r in results if r[2] is None)
    deadline = time.time() + 10
    while len(published) < ok and time.time() < deadline:
        time.sleep(0.05)  # bounded: the last publications are on their way
    stop.set()
    watcher.join(5)
    return {"results": results, "published": list(published)}


# --- the subscribers ------------------------------------------------------------------------------------------
class Subscribers:
    """N raw HTTP/1.1 SSE clients in this process's event loop."""

    def __init__(self, port: int, body: bytes, tokens: list[str | None]) -> None:
        self.port = port
        self.body = body
        self.tokens = tokens
        self.n = len(tokens)
        self.events: list[list[tuple[float, int, int]]] = [[] for _ in tokens]  # (arrival, slot epoch, booked)
        self.top: list[dict[int, int]] = [defaultdict(int) for _ in tokens]
        self.opened = 0
        self.refused: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.ended = 0
        self.writers: list[asyncio.StreamWriter] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def open_all(self, parallel: int = 50, timeout: float = 600) -> float:
        t0 = time.monotonic()
        gate = asyncio.Semaphore(parallel)
        ready = [asyncio.Event() for _ in range(self.n)]

        async def start(i: int) -> None:
            async with gate:
                self.tasks.append(asyncio.create_task(self._run(i, ready[i])))
                await ready[i].wait()

        await asyncio.wait_for(asyncio.gather(*(start(i) for i in range(self.n))), timeout)
        return time.monotonic() - t0

    async def _run(self, i: int, ready: asyncio.Event) -> None:
        try:
            await self._stream(i, ready)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.errors[type(exc).__name__] += 1
        finally:
            ready.set()

    async def _stream(self, i: int, ready: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        self.writers.append(writer)
        token = self.tokens[i]
        head = (f"POST /graphql/stream HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Content-Type: application/json\r\nAccept: text/event-stream\r\n"
                + (f"Authorization: Bearer {token}\r\n" if token else "")
                + f"Content-Length: {len(self.body)}\r\n\r\n")
        writer.write(head.encode() + self.body)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        chunked = False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower():
                chunked = True
        if status != 200:
            self.refused[f"HTTP {status}"] += 1
            return
        buffer = b""
        while True:
            if chunked:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    break
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    break
            now = time.time()
            buffer += data
            while b"\n\n" in buffer:
                raw, buffer = buffer.split(b"\n\n", 1)
                if raw.startswith(b":"):
                    if not ready.is_set():
                        self.opened += 1
                        ready.set()
                    continue
                self._event(i, raw, now)
        self.ended += 1

    def _event(self, i: int, raw: bytes, now: float) -> None:
        name, data = "message", b""
        for line in raw.split(b"\n"):
            key, _, value = line.partition(b":")
            if key == b"event":
                name = value.strip().decode()
            elif key == b"data":
                data += value.strip()
        if name != "next":
            return
        result = json.loads(data)
        slot = (result.get("data") or {}).get("slotsChanged")
        if not slot:
            for error in result.get("errors") or [{}]:
                self.errors[error.get("extensions", {}).get("code", "?")] += 1
            return
        epoch = int(dt.datetime.fromisoformat(slot["start"]).timestamp())
        self.events[i].append((now, epoch, int(slot["booked"])))
        if slot["booked"] > self.top[i][epoch]:
            self.top[i][epoch] = int(slot["booked"])

    def behind(self, final: dict[int, int]) -> int:
        """(subscriber, booking) pairs not shown yet."""
        return sum(max(0, n - top.get(epoch, 0)) for top in self.top for epoch, n in final.items())

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


# --- figures --------------------------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def request_path(results: list[tuple[float, float, str | None]], wall: float) -> dict[str, Any]:
    ok = [answered - sent for sent, answered, code in results if code is None]
    return {"bookings": len(ok), "failed": dict(Counter(code for _s, _a, code in results if code is not None)),
            "per_s": round(len(ok) / wall, 1), "p50_ms": ms(pct(ok, 50)), "p95_ms": ms(pct(ok, 95)),
            "max_ms": ms(max(ok)) if ok else None}


def delivery(subs: Subscribers, results: list[tuple[float, float, str | None, str]],
             published: list[tuple[float, int]]) -> dict[str, Any]:
    """Per subscriber and slot, the first event with booked >= k shows the slot's k-th commit."""
    answers: dict[int, list[float]] = defaultdict(list)
    for _sent, answered, code, start in results:
        if code is None:
            answers[int(dt.datetime.fromisoformat(start).timestamp())].append(answered)
    commits: dict[int, list[float]] = defaultdict(list)
    for at, epoch in published:
        commits[epoch].append(at)
    final = {epoch: len(times) for epoch, times in answers.items()}
    for times in (*answers.values(), *commits.values()):
        times.sort()
    from_commit: list[float] = []
    from_answer: list[float] = []
    lost = 0
    for events in subs.events:
        shown: dict[int, int] = defaultdict(int)
        for arrival, epoch, booked in events:
            top = min(booked, final.get(epoch, 0))
            for k in range(shown[epoch] + 1, top + 1):
                if k <= len(commits[epoch]):
                    from_commit.append(arrival - commits[epoch][k - 1])
                from_answer.append(arrival - answers[epoch][k - 1])
            shown[epoch] = max(shown[epoch], top)
        lost += sum(n - shown[epoch] for epoch, n in final.items())
    return {"expected": sum(final.values()) * subs.n, "shown": len(from_answer), "lost": lost,
            "events": sum(len(e) for e in subs.events), "publications_seen": len(published),
            "from_commit_ms": {"p50": ms(pct(from_commit, 50)), "p95": ms(pct(from_commit, 95)),
                               "max": ms(max(from_commit)) if from_commit else None},
            "from_answer_ms": {"p50": ms(pct(from_answer, 50)), "p95": ms(pct(from_answer, 95)),
                               "max": ms(max(from_answer)) if from_answer else None},
            "within_2s_pct": round(100 * sum(1 for x in from_commit if x <= 2) / len(from_commit), 1)
            if from_commit else None}


class CPU:
    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start = self.read()
        self.t0 = time.monotonic()
        self.load0 = os.getloadavg()[0]

    def read(self) -> dict[str, float]:
        times = os.times()  # this process alone (the servers and the load process are its children)
        return {**{name: cpu_seconds(pid) for name, pid in self.pids.items()}, "bench": times.user + times.system}

    def done(self) -> dict[str, Any]:
        wall = time.monotonic() - self.t0
        end = self.read()
        out: dict[str, Any] = {f"{name}_cpu_pct": round(100 * (end[name] - self.start[name]) / wall)
                               for name in end}
        out["load_avg_1m"] = [round(self.load0, 1), round(os.getloadavg()[0], 1)]
        return out


# --- the run -------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50, help="bookings a second in the live phase")
    parser.add_argument("--seconds", type=float, default=30, help="length of the live phase")
    parser.add_argument("--slots", type=int, default=4, help="sittings of the subscribed canteen that are booked")
    parser.add_argument("--drain", type=float, default=120, help="longest wait for the last events")
    parser.add_argument("--rp-seconds", type=float, default=15, help="length of each request-path phase (0: none)")
    parser.add_argument("--rp-concurrency", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=None, help="default: config/gunicorn.conf.py's")
    parser.add_argument("--stream-workers", type=int, default=1)
    parser.add_argument("--anonymous", action="store_true", help="subscribers without a token")
    parser.add_argument("--no-share", action="store_true",
                        help="LIVE_SHARE_ANSWERS=0: each stream re-reads each event itself (the code before sharing)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/mk_livebench"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * args.subscribers + 1000  # this process's sockets; the servers inherit the limit
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft < need:
            sys.exit(f"ulimit -n is {soft} (hard {hard}); {need} file descriptors are needed")

    prefix = f"bench-live-{uuid.uuid4().hex[:8]}:"
    env = app_env(args.database_url, args.redis_url, CACHE_URL=args.redis_url, LIVE_BROKER_URL=args.redis_url,
                  LIVE_CHANNEL_PREFIX=prefix, LIVE_MAX_STREAMS_PER_PROCESS=str(max(2000, args.subscribers + 10)),
                  LIVE_SHARE_ANSWERS="0" if args.no_share else "1")
    server_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "WEB_TIMEOUT": "60"}
    live_count = int(args.rate * args.seconds)
    rp_residents = 1500
    residents = max(live_count + rp_residents, args.subscribers)
    machine = {"cpus": os.cpu_count(), "cpu": _cpu_model(), "python": platform.python_version(),
               "postgres": _pg_version(args.database_url)}
    log(f"load average {os.getloadavg()}; preparing {args.database_url} ({residents} residents)")
    fresh_database(args.database_url, env)
    world = script(env, SETUP.format(residents=residents, sittings=8, days=3), timeout=900)
    live_resource, rp_resource = world["resources"]
    starts = world["starts"]
    live_tokens, rp_tokens = world["tokens"][:live_count], world["tokens"][live_count:]
    web = stream = None
    ctx = multiprocessing.get_context("spawn")
    report: dict[str, Any] = {"subscribers": args.subscribers, "rate": args.rate, "seconds": args.seconds,
                              "shared_answers": not args.no_share,
                              "slots": args.slots, "rp_concurrency": args.rp_concurrency, "machine": machine}
    try:
        web, web_port = start_web(server_env, args.web_workers)
        stream, stream_port = start_stream(server_env, args.stream_workers)
        graphql = f"http://127.0.0.1:{web_port}/graphql/"
        with ProcessPoolExecutor(1, mp_context=ctx) as loader:
            loader_pid = loader.submit(os.getpid).result()
            pids = {"web": web.pid, "stream": stream.pid, "loader": loader_pid}
            report["web_workers"] = len(tree(web.pid)) - 1
            k = 0

            def rp_phase(name: str) -> None:
                nonlocal k
                if args.rp_seconds <= 0:
                    return
                cpu = CPU(pids)
                out = loader.submit(closed_loop, graphql, rp_tokens, rp_resource, starts, k, args.rp_concurrency,
                                    args.rp_seconds).result()
                k = out["next"]
                report[name] = {**request_path(out["results"], out["wall"]), **cpu.done()}
                log(f"{name}: {report[name]}")

            log("warming the web workers up")
            out = loader.submit(closed_loop, graphql, rp_tokens, rp_resource, starts, k, 16, 10).result()
            k = out["next"]
            rp_phase("request_path_without")

            variables = {"r": live_resource, "from": starts[0], "to": starts[-1][:10] + "T23:59:59+08:00"}
            body = json.dumps({"query": SUBSCRIBE_SLOTS, "variables": variables}).encode()
            tokens: list[str | None] = ([None] * args.subscribers if args.anonymous
                                        else list(world["tokens"][len(world["tokens"]) - args.subscribers:]))

            async def with_subscribers() -> None:
                subs = Subscribers(stream_port, body, tokens)
                cpu = CPU(pids)
                report["open_s"] = round(await subs.open_all(), 1)
                report["opened"] = subs.opened
                report["refused"] = dict(subs.refused)
                report["open_cpu"] = cpu.done()
                log(f"{subs.opened} subscribers open in {report['open_s']} s (refused {dict(subs.refused)}, "
                    f"errors {dict(subs.errors)})")
                await asyncio.to_thread(rp_phase, "request_path_with_idle")

                cpu = CPU(pids)
                t0 = time.monotonic()
                topic = f"slots:{_pk(live_resource)}"
                future = loader.submit(open_loop, graphql, live_tokens, live_resource, starts[:args.slots], args.rate,
                                       args.seconds, args.redis_url, f"{prefix}events", topic)
                out = await asyncio.wrap_future(future)
                booked_s = time.monotonic() - t0
                final: dict[int, int] = Counter(int(dt.datetime.fromisoformat(r[3]).timestamp())
                                                for r in out["results"] if r[2] is None)
                deadline = time.monotonic() + args.drain
                while subs.behind(final) and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)  # polling this process's own counters, bounded by --drain
                live = {"bookings": sum(final.values()), "sent": len(out["results"]),
                        "failed": dict(Counter(r[2] for r in out["results"] if r[2] is not None)),
                        "booking_p50_ms": ms(pct([r[1] - r[0] for r in out["results"]], 50)),
                        "booking_p95_ms": ms(pct([r[1] - r[0] for r in out["results"]], 95)),
                        "booking_s": round(booked_s, 1), "drained_after_s": round(time.monotonic() - t0 - booked_s, 1),
                        **delivery(subs, out["results"], out["published"]),
                        "stream_errors": dict(subs.errors), "streams_ended": subs.ended, **cpu.done()}
                report["live"] = live
                log(f"live: {live}")
                await subs.close()

            asyncio.run(with_subscribers())
            rp_phase("request_path_after")
    finally:
        for proc in (stream, web):
            if proc is not None:
                proc.stop()
        _clean_redis(args.redis_url)
    print(summary(report))
    print(json.dumps(report))
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))


def summary(r: dict[str, Any]) -> str:
    lines = [f"live updates: {r['subscribers']} subscribers, {r['rate']:g} bookings/s for {r['seconds']:g} s "
             f"on {r['slots']} sittings; {r['machine']['cpus']} cores ({r['machine']['cpu']}); answers "
             f"{'shared' if r.get('shared_answers', True) else 'per stream (--no-share)'}"]
    if "open_s" in r:
        lines.append(f"  opened {r['opened']} streams in {r['open_s']} s, refused {r['refused'] or 0}")
    if "live" in r:
        x = r["live"]
        lines += [f"  bookings {x['bookings']}/{x['sent']} ok (failed {x['failed'] or 0}), answer p50 "
                  f"{x['booking_p50_ms']} ms p95 {x['booking_p95_ms']} ms",
                  f"  delivery from commit: p50 {x['from_commit_ms']['p50']} ms, p95 {x['from_commit_ms']['p95']} ms, "
                  f"max {x['from_commit_ms']['max']} ms ({x['within_2s_pct']} % within 2 s); from the answer: "
                  f"p50 {x['from_answer_ms']['p50']} ms, p95 {x['from_answer_ms']['p95']} ms",
                  f"  shown {x['shown']}/{x['expected']} (subscriber, booking) pairs, lost {x['lost']}; "
                  f"{x['events']} events; stream errors {x['stream_errors'] or 0}, streams ended {x['streams_ended']}",
                  f"  CPU (% of one core): stream {x['stream_cpu_pct']}, web {x['web_cpu_pct']}, bench "
                  f"{x['bench_cpu_pct']} + {x['loader_cpu_pct']}; load average {x['load_avg_1m']}"]
    for name in ("request_path_without", "request_path_with_idle", "request_path_after"):
        if name in r:
            x = r[name]
            lines.append(f"  {name}: {x['per_s']} bookings/s, p50 {x['p50_ms']} ms, p95 {x['p95_ms']} ms "
                         f"(failed {x['failed'] or 0}); CPU web {x['web_cpu_pct']} stream {x['stream_cpu_pct']}; "
                         f"load {x['load_avg_1m']}")
    return "\n".join(lines)


def _pk(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":", 1)[1]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _pg_version(url: str) -> str:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    except psycopg.Error:
        return "?"


def _clean_redis(url: str) -> None:
    """The Celery messages nobody consumes here (no worker runs), and the cache's rate-limit counters."""
    import redis

    try:
        client = redis.Redis.from_url(url)
        keys = [*client.scan_iter("celery*"), *client.scan_iter("_kombu*"), *client.scan_iter("unacked*"),
                *client.scan_iter(":1:gql-rate:*")]
        if keys:
            client.delete(*keys)
    except redis.RedisError as exc:
        log(f"could not clean {url}: {exc}")


if __name__ == "__main__":
    main()
