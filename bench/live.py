"""Live updates under load: N subscribers of one resource's slots (slotsChanged) on one stream process
while bookings are made through /graphql/ at a fixed rate; delivery latency and the servers' CPU.

    .venv/bin/python bench/live.py [--subscribers 1000] [--rate 50] [--seconds 20] [--slots 5]

Starts its own PostgreSQL and Redis on free ports (never the shared servers), a gunicorn gthread web
process (config.wsgi: the bookings) and one uvicorn process (config.asgi: the streams), as docs/DEPLOY.md
describes. Subscribers are anonymous httpx streams in this process; bookings go round-robin over
`--slots` sittings of the resource by distinct residents. Latency of a booking at a subscriber: from the
booking request being sent to the first event at that subscriber whose re-read `booked` includes it
(events for one slot that wait for a busy subscriber are coalesced, so one event may cover several
bookings). CPU: user + system seconds of each server process over the run, from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import httpx  # noqa: E402
from graphql_relay import from_global_id  # noqa: E402

from tests.core.live.stack import BOOK, SUBSCRIBE_SLOTS, live_env, web  # noqa: E402
from tests.faults.stack import Cluster, gunicorn, script, stack_cleanup  # noqa: E402
from tests.servers import PrivateRedis  # noqa: E402

SETUP = ("from tests.faults import scenarios\n"
         "print(json.dumps(scenarios.load_world({residents}, resources=1, places=100000, sittings={slots}, "
         "days=2)))")


def cpu_seconds(pid: int) -> float:
    total = 0.0
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    pids = [pid] + [int(p) for p in children.split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


async def subscribe(index: int, port: int, variables: dict[str, Any], seen: list[tuple[float, int, str, int]],
                    ready: asyncio.Event, counter: list[int], total: int, client: httpx.AsyncClient) -> None:
    body = {"query": SUBSCRIBE_SLOTS, "variables": variables}
    async with client.stream("POST", f"http://127.0.0.1:{port}/graphql/stream", json=body) as response:
        assert response.status_code == 200, await response.aread()
        counter[0] += 1
        if counter[0] == total:
            ready.set()
        data = ""
        async for line in response.aiter_lines():
            if line.startswith("data:") and line[5:].strip():
                data = line[5:].strip()
            elif line == "" and data:
                slot = (json.loads(data).get("data") or {}).get("slotsChanged")
                if slot:
                    seen.append((time.monotonic(), index, slot["id"], slot["booked"]))
                data = ""


def book_loop(port: int, data: dict[str, Any], rate: float, seconds: float, slots: int,
              sent: list[tuple[float, str, float]]) -> None:
    starts = data["starts"][:slots]
    tokens = data["tokens"]
    interval = 1.0 / rate
    begin = time.monotonic()
    lock = threading.Lock()

    def one(k: int) -> None:
        start = starts[k % len(starts)]
        t = time.monotonic()
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql/", timeout=30,
                            json={"query": BOOK, "variables": {"input": {"resourceId": data["resources"][0],
                                                                         "start": start}}},
                            headers={"Authorization": f"Bearer {tokens[k % len(tokens)]}"})
        ok = not answer.json()["data"]["bookSlot"]["errors"]
        if ok:
            with lock:
                sent.append((t, start, time.monotonic() - t))

    threads = []
    k = 0
    while time.monotonic() - begin < seconds:
        due = begin + k * interval
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)  # the booking rate's clock
        thread = threading.Thread(target=one, args=(k,))
        thread.start()
        threads.append(thread)
        k += 1
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--slots", type=int, default=5)
    args = parser.parse_args()
    cluster = Cluster()
    redis = PrivateRedis()
    redis.start()
    api = stream = None
    try:
        env = live_env(cluster.database(), redis.url, Path(tempfile.mkdtemp(prefix="bench-live-")),
                       LIVE_KEEPALIVE_SECONDS="12", LIVE_MAX_STREAMS_PER_PROCESS=str(args.subscribers + 10))
        residents = int(args.rate * args.seconds / args.slots) + 20
        data = script(env, SETUP.format(residents=residents, slots=args.slots), timeout=600)
        api, api_port = gunicorn(env, workers=2, threads=4)
        stream, stream_port = web(env, "bench-stream")
        first = data["starts"][0]
        variables = {"r": data["resources"][0], "from": first, "to": data["starts"][-1][:10] + "T23:59:59+08:00"}
        seen: list[tuple[float, int, str, int]] = []
        sent: list[tuple[float, str, float]] = []

        async def run() -> tuple[float, float]:
            ready = asyncio.Event()
            counter = [0]
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
            async with httpx.AsyncClient(timeout=httpx.Timeout(None, connect=30), limits=limits) as client:
                tasks = [asyncio.create_task(subscribe(i, stream_port, variables, seen, ready, counter,
                                                       args.subscribers, client))
                         for i in range(args.subscribers)]
                await asyncio.wait_for(ready.wait(), 300)
                cpu0 = (cpu_seconds(stream.pid), cpu_seconds(api.pid))
                t0 = time.monotonic()
                await asyncio.to_thread(book_loop, api_port, data, args.rate, args.seconds, args.slots, sent)
                # let the subscribers drain (bounded)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    if _delivered_all(seen, sent, args.subscribers):
                        break
                wall = time.monotonic() - t0
                cpu1 = (cpu_seconds(stream.pid), cpu_seconds(api.pid))
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            return wall, (cpu1[0] - cpu0[0]), (cpu1[1] - cpu0[1])  # type: ignore[return-value]

        wall, stream_cpu, api_cpu = asyncio.run(run())  # type: ignore[misc]
        latencies = _latencies(seen, sent)
        print(json.dumps({
            "subscribers": args.subscribers, "rate": args.rate, "seconds": args.seconds, "slots": args.slots,
            "bookings": len(sent), "events": len(seen), "wall_s": round(wall, 1),
            "booking_p50_ms": round(statistics.median(s[2] for s in sent) * 1000, 1),
            "delivered": len(latencies), "expected": len(sent) * args.subscribers,
            "latency_p50_ms": round(_pct(latencies, 50) * 1000), "latency_p95_ms": round(_pct(latencies, 95) * 1000),
            "stream_cpu_s": round(stream_cpu, 1), "api_cpu_s": round(api_cpu, 1),
            "stream_cpu_pct": round(100 * stream_cpu / wall), "api_cpu_pct": round(100 * api_cpu / wall)}))
    finally:
        stack_cleanup(api, stream)
        redis.destroy()
        cluster.destroy()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def _delivered_all(seen: list[tuple[float, int, str, int]], sent: list[tuple[float, str, float]], n: int) -> bool:
    """Every subscriber has seen every slot's final booked count."""
    final: dict[int, int] = defaultdict(int)
    for _t, start, _d in sent:
        final[int(dt.datetime.fromisoformat(start).timestamp())] += 1
    top: dict[tuple[int, int], int] = defaultdict(int)
    for _t, sub, slot_id, booked in list(seen):
        key = (sub, int(from_global_id(slot_id)[1].split(":")[1]))
        top[key] = max(top[key], booked)
    return all(top[(sub, epoch)] >= count for sub in range(n) for epoch, count in final.items())


def _latencies(seen: list[tuple[float, int, str, int]], sent: list[tuple[float, str, float]]) -> list[float]:
    """Per subscriber and slot, an event with booked = b shows every booking of rank <= b not shown yet
    (ranks by send time, an approximation of commit order): its latency is the event's arrival minus
    that booking's send time."""
    sent_by_epoch: dict[int, list[float]] = defaultdict(list)
    for t, start, _d in sorted(sent):
        sent_by_epoch[int(dt.datetime.fromisoformat(start).timestamp())].append(t)
    shown: dict[tuple[int, int], int] = defaultdict(int)
    out: list[float] = []
    for t_event, sub, slot_id, booked in sorted(seen):
        epoch = int(from_global_id(slot_id)[1].split(":")[1])
        times = sent_by_epoch.get(epoch, [])
        key = (sub, epoch)
        for rank in range(shown[key] + 1, min(booked, len(times)) + 1):
            out.append(max(0.0, t_event - times[rank - 1]))
        shown[key] = max(shown[key], booked)
    return out


if __name__ == "__main__":
    main()
