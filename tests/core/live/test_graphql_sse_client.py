"""The reference JavaScript client, `graphql-sse` from npm (tests/core/live/js, pinned by package-lock.json),
runs each of the three subscriptions against a real web process: slotsChanged receives the change after
a booking made through /graphql/, notificationAdded the booker's confirmation, matchRunProgress a run's
moves until it completes. Skipped when Node.js/npm are missing, unless REQUIRE_SERVICES=1."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import service_missing
from tests.faults.stack import script

from .stack import BOOK, SUBSCRIBE_SLOTS, post, sqlite_env, web
from .test_stream import PROGRESS, QUEUED_RUN

JS = Path(__file__).resolve().parent / "js"


def _node_ready() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        service_missing("Node.js and npm are needed for the graphql-sse reference client")
    if not (JS / "node_modules" / "graphql-sse").is_dir():
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            service_missing(f"npm ci failed: {result.stderr[-1000:]}")


def test_the_graphql_sse_client_receives_a_slot_change_after_a_booking(sqlite_template: Path,
                                                                       tmp_path: Path) -> None:
    # given a web process, a resource, two residents, and the reference client subscribed to the first day
    _node_ready()
    data, proc, port = _residents_site(sqlite_template, tmp_path)
    client = None
    try:
        start = dt.datetime.fromisoformat(data["starts"][0])
        client = _client(port, data["tokens"][0], SUBSCRIBE_SLOTS,
                         {"r": data["resource"], "from": (start - dt.timedelta(hours=1)).isoformat(),
                          "to": (start + dt.timedelta(hours=1)).isoformat()})
        # when the other resident books that slot through /graphql/
        answer = post(port, BOOK, {"input": {"resourceId": data["resource"], "start": data["starts"][0]}},
                      data["tokens"][1])
        assert answer["data"]["bookSlot"]["errors"] == []
        # then the client prints the change and ends
        (result,) = _results(client, timeout=20)
        assert "errors" not in result, result
        slot = result["data"]["slotsChanged"]  # type: ignore[index]
        assert (slot["booked"], slot["remaining"], slot["closed"]) == (1, 9, False)
        assert dt.datetime.fromisoformat(slot["start"]) == start
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        proc.stop()


def _residents_site(template: Path, folder: Path) -> tuple[dict[str, Any], Any, int]:
    """A web process on a copy of the template with a canteen of 10 places and two residents with tokens."""
    env = sqlite_env(template, folder)
    data = script(env, "from tests.faults import scenarios\n"
                       "print(json.dumps(scenarios.residents_with_tokens(2, capacity=10, days=1)))")
    proc, port = web(env)
    return data, proc, port

def _client(port: int, token: str, query: str, variables: dict[str, object], mode: str = "first"
            ) -> subprocess.Popen[str]:
    """The reference client running `query`, once it printed that the server took the subscription."""
    client = subprocess.Popen(["node", "iterate.mjs", f"http://127.0.0.1:{port}/graphql/stream", token, query,
                               json.dumps(variables), mode], cwd=JS, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    assert client.stdout is not None
    ready = json.loads(client.stdout.readline() or "{}")
    assert ready == {"ready": 200}, client.stderr.read() if client.stderr else ready
    return client


def _results(client: subprocess.Popen[str], timeout: float) -> list[dict[str, object]]:
    out, err = client.communicate(timeout=timeout)
    assert client.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[-1] == {"done": True}, lines
    return [line["result"] for line in lines[:-1]]


def test_the_graphql_sse_client_receives_the_bookers_notification(sqlite_template: Path, tmp_path: Path) -> None:
    # given a web process and a resident subscribed to their notifications through the reference client
    _node_ready()
    data, proc, port = _residents_site(sqlite_template, tmp_path)
    client = None
    try:
        client = _client(port, data["tokens"][0], "subscription { notificationAdded { id kind title } }", {})
        # when that resident books through /graphql/ (a confirmation is written for them)
        answer = post(port, BOOK, {"input": {"resourceId": data["resource"], "start": data["starts"][0]}},
                      data["tokens"][0])
        assert answer["data"]["bookSlot"]["errors"] == []
        # then the client receives it
        (result,) = _results(client, timeout=20)
        assert "errors" not in result, result
        added = result["data"]["notificationAdded"]  # type: ignore[index]
        assert added["kind"] == "BOOKING_CONFIRMED" and added["title"]
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        proc.stop()


def test_the_graphql_sse_client_follows_a_match_run_until_it_completes(sqlite_template: Path,
                                                                       tmp_path: Path) -> None:
    # given a queued run and district staff following it through the reference client
    _node_ready()
    env = sqlite_env(sqlite_template, tmp_path)
    made = script(env, QUEUED_RUN)
    proc, port = web(env)
    client = None
    try:
        client = _client(port, made["staff"], PROGRESS, {"id": made["run"]}, mode="all")
        # when another process (a worker, here a script with eager tasks) runs it
        script(env, f"from matching.tasks import prepare_match_run_task\nprepare_match_run_task({made['pk']})\n"
                    "print('null')")
        # then the client sees the run's moves in order and the server completes the operation after SUCCEEDED
        results = _results(client, timeout=60)
        assert all("errors" not in r for r in results), results
        shown = [r["data"]["matchRunProgress"] for r in results]  # type: ignore[index]
        assert shown[0]["status"] == "QUEUED" and shown[-1]["status"] == "SUCCEEDED", shown
        assert shown[-1]["progress"] == 1.0 and shown[-1]["servedQuantity"] == 50
        assert [s["progress"] for s in shown] == sorted(s["progress"] for s in shown)
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        proc.stop()
