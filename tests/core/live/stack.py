"""What the live-update tests start: web processes serving config.asgi (uvicorn) on a SQLite file or a
PostgreSQL database, with the SQLite event log or a Redis as the broker, and a small SSE client.

The test process never connects Django to those databases: data is made by scripts in subprocesses
(tests/faults/stack.script), and everything is observed through HTTP. Every wait is bounded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.faults.stack import MANAGE, PY, ROOT, Process, app_env, wait_until
from tests.servers import free_port, wait_for_port

SUBSCRIBE_SLOTS = """subscription($r: ID!, $from: DateTime!, $to: DateTime!) {
  slotsChanged(resourceId: $r, from: $from, to: $to) { id start booked remaining closed } }"""
BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) {
  booking { id status } errors { field code } } }"""


def migrated_sqlite(folder: Path) -> Path:
    path = folder / "template.sqlite3"
    env = app_env(f"sqlite:///{path}")
    result = subprocess.run([PY, "-c", MANAGE, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed: {result.stderr[-3000:]}")
    return path


def sqlite_env(template: Path, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of our processes on a fresh copy of the migrated SQLite file, with the embedded
    mode's broker (the SQLite event log) in `folder`."""
    db = folder / "db.sqlite3"
    shutil.copy(template, db)
    return live_env(f"sqlite:///{db}", f"sqlite:///{folder / 'live-events.sqlite3'}", folder, **extra)


def live_env(database_url: str, broker_url: str, folder: Path, **extra: str) -> dict[str, str]:
    values = {"APP_VAR_DIR": str(folder), "LIVE_BROKER_URL": broker_url,
              "LIVE_CHANNEL_PREFIX": f"t-{uuid.uuid4().hex[:8]}:", "LIVE_KEEPALIVE_SECONDS": "0.5",
              "LIVE_POLL_SECONDS": "0.1", **extra}
    return app_env(database_url, **values)


def web(env: dict[str, str], name: str = "uvicorn") -> tuple[Process, int]:
    """A web process serving config.asgi (pages, /graphql/ and /graphql/stream)."""
    port = free_port()
    proc = Process([PY, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                    "--no-access-log", "--timeout-graceful-shutdown", "2"], env, name)
    try:
        wait_for_port(port, timeout=60)
    except TimeoutError:
        raise RuntimeError(proc.output()[-3000:]) from None
    return proc, port


def post(port: int, query: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(f"http://127.0.0.1:{port}/graphql/", json={"query": query, "variables": variables},
                        headers=headers, timeout=30)
    return dict(answer.json())


@dataclass
class Stream:
    """One open SSE response: `events()` parses it; comments are counted in `comments`."""

    response: httpx.Response
    lines: Iterator[str]
    comments: int = 0
    received: list[tuple[str, Any]] = field(default_factory=list)

    def next_event(self, within: float = 15) -> tuple[str, Any]:
        """The next event (name, data); raises StopIteration when the stream ended, fails when none came
        `within` seconds (keep-alive comments keep the connection itself from timing out)."""
        name, data = "message", ""
        deadline = time.monotonic() + within
        for line in self.lines:
            if time.monotonic() > deadline:
                raise AssertionError(f"no event within {within} s")
            if line == "":
                if data or name != "message":
                    event = (name, json.loads(data) if data else None)
                    self.received.append(event)
                    return event
                continue
            if line.startswith(":"):
                self.comments += 1
                if self.comments == 1:
                    return ("open", None)
                continue
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "event":
                name = value
            elif key == "data":
                data += value
        raise StopIteration

    def wait_for_comments(self, count: int) -> None:
        for line in self.lines:
            if line.startswith(":"):
                self.comments += 1
                if self.comments >= count:
                    return
        raise StopIteration


class Subscriber:
    """An httpx client holding one subscription; use as a context manager."""

    def __init__(self, port: int, query: str, variables: dict[str, Any], token: str | None = None,
                 timeout: float = 10, headers: dict[str, str] | None = None) -> None:
        self.client = httpx.Client(timeout=httpx.Timeout(timeout))
        all_headers = {"Accept": "text/event-stream", **({"Authorization": f"Bearer {token}"} if token else {}),
                       **(headers or {})}
        self.context = self.client.stream("POST", f"http://127.0.0.1:{port}/graphql/stream",
                                          json={"query": query, "variables": variables}, headers=all_headers)

    def __enter__(self) -> Stream:
        response = self.context.__enter__()
        return Stream(response, response.iter_lines() if response.status_code == 200 else iter(()))

    def __exit__(self, *exc: Any) -> None:
        self.context.__exit__(*exc)
        self.client.close()


def opened(stream: Stream) -> Stream:
    """Reads the first comment, which the server sends once the subscription is in place."""
    assert stream.response.status_code == 200, stream.response.read()
    assert stream.next_event() == ("open", None)
    return stream


def timed(fn: Any) -> tuple[Any, float]:
    t = time.monotonic()
    value = fn()
    return value, time.monotonic() - t


__all__ = ["Subscriber", "live_env", "migrated_sqlite", "opened", "post", "sqlite_env", "wait_until", "web"]
