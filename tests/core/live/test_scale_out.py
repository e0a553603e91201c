"""Live updates in the production shape: web processes on PostgreSQL with Redis pub/sub as the broker.

- an event caused on one web process reaches a subscriber of another;
- a broker outage (a private Redis, never the shared one) ends the stream with an UNAVAILABLE error, a
  reconnecting client is told the same while it is down and is served again once it is back, bookings go
  on meanwhile, and nothing crashes;
- 200 idle subscribers on one process while /healthz stays fast.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.stack import Cluster, Process, script, server_errors
from tests.servers import PrivateRedis

from .stack import BOOK, SUBSCRIBE_SLOTS, Subscriber, live_env, opened, post, web

pytestmark = [pytest.mark.postgres]
SETUP = ("from tests.faults import scenarios\n"
         "print(json.dumps(scenarios.residents_with_tokens(3, capacity=300, days=2)))")


def _variables(data: dict[str, Any]) -> dict[str, Any]:
    first = dt.datetime.fromisoformat(data["starts"][0])
    return {"r": data["resource"], "from": first.isoformat(), "to": (first + dt.timedelta(days=1)).isoformat()}


def _book(port: int, data: dict[str, Any], token: str) -> dict[str, Any]:
    return post(port, BOOK, {"input": {"resourceId": data["resource"], "start": data["starts"][0]}}, token)


def _health_times(port: int, n: int = 50) -> list[float]:
    durations = []
    with httpx.Client(timeout=5) as client:
        for _ in range(n):
            t = time.monotonic()
            assert client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            durations.append(time.monotonic() - t)
    return sorted(durations)


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for proc in started:
        output = proc.output()
        proc.stop()
        assert "Traceback" not in output and server_errors(output) == [], output[-4000:]


def test_an_event_caused_on_one_web_process_reaches_a_subscriber_of_another(
        cluster: Cluster, redis_url: str, tmp_path: Path, processes: list[Process]) -> None:
    # given two web processes on one PostgreSQL database and the Redis broker
    env = live_env(cluster.database(), redis_url, tmp_path)
    data = script(env, SETUP)
    (a, port_a), (b, port_b) = web(env, "web-a"), web(env, "web-b")
    processes += [a, b]
    # when a resident subscribed on B sees another resident book on A
    with Subscriber(port_b, SUBSCRIBE_SLOTS, _variables(data), data["tokens"][0]) as stream:
        opened(stream)
        assert _book(port_a, data, data["tokens"][1])["data"]["bookSlot"]["errors"] == []
        t = time.monotonic()  # the booking committed (and was published) before its answer came
        name, event = stream.next_event()
        elapsed = time.monotonic() - t
    # then the change arrived, re-read on B, within the contract's 2 s of the booking's answer
    assert name == "next", event
    assert event["data"]["slotsChanged"]["booked"] == 1
    assert event["data"]["slotsChanged"]["remaining"] == 299
    assert elapsed < 2, elapsed


def test_a_broker_outage_ends_streams_with_an_error_and_clients_can_reconnect(
        cluster: Cluster, private_redis_server: PrivateRedis, tmp_path: Path, processes: list[Process]) -> None:
    # given a web process whose broker is a private Redis, and a subscriber
    env = live_env(cluster.database(), private_redis_server.url, tmp_path, LIVE_BACKOFF_SECONDS="0")
    data = script(env, SETUP)
    proc, port = web(env)
    processes.append(proc)
    variables, token = _variables(data), data["tokens"][0]
    with Subscriber(port, SUBSCRIBE_SLOTS, variables, token) as stream:
        opened(stream)
        # when the broker dies
        private_redis_server.stop()
        # then the stream ends with an UNAVAILABLE error event, then complete
        name, event = stream.next_event()
        assert name == "next" and event["data"] is None
        assert event["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert stream.next_event() == ("complete", None)
    # and while it is down: bookings go on, health answers, a reconnecting client is told it is unavailable
    assert _book(port, data, data["tokens"][1])["data"]["bookSlot"]["errors"] == []
    assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    with Subscriber(port, SUBSCRIBE_SLOTS, variables, token) as retry:
        opened(retry)
        name, event = retry.next_event()
        assert event["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    # when the broker is back, a reconnecting client is served again
    private_redis_server.start()
    with Subscriber(port, SUBSCRIBE_SLOTS, variables, token) as again:
        opened(again)
        assert _book(port, data, data["tokens"][2])["data"]["bookSlot"]["errors"] == []
        name, event = again.next_event()
    assert name == "next", event
    assert event["data"]["slotsChanged"]["booked"] == 2  # re-read: it counts the booking made during the outage
    assert proc.alive()


def test_two_hundred_idle_subscribers_leave_health_fast(
        cluster: Cluster, redis_url: str, tmp_path: Path, processes: list[Process]) -> None:
    # given one web process with 200 open, idle subscriptions (anonymous, so no per-user cap applies)
    env = live_env(cluster.database(), redis_url, tmp_path, LIVE_KEEPALIVE_SECONDS="12")
    data = script(env, SETUP)
    proc, port = web(env)
    processes.append(proc)
    baseline = _health_times(port)
    with ExitStack() as stack:
        streams = [opened(stack.enter_context(Subscriber(port, SUBSCRIBE_SLOTS, _variables(data), timeout=30)))
                   for _ in range(200)]
        # when /healthz is asked 50 times
        loaded = _health_times(port)
        # then it stays fast: its median within 50 ms of the median without subscribers, none slow
        print(f"/healthz p50 {baseline[25] * 1000:.1f} ms without streams, {loaded[25] * 1000:.1f} ms with 200; "
              f"max {loaded[-1] * 1000:.1f} ms")
        assert loaded[25] < baseline[25] + 0.05, (baseline, loaded)
        assert loaded[-1] < 1.0, loaded
        # and a change still reaches the idle subscribers
        assert _book(port, data, data["tokens"][0])["data"]["bookSlot"]["errors"] == []
        for stream in streams[:: 20]:
            assert stream.next_event()[0] == "next"
