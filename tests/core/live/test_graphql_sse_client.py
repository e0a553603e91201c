"""The reference JavaScript client, `graphql-sse` from npm (tests/core/live/js, pinned by package-lock.json),
subscribes to slotsChanged on a real web process and receives the change after a booking made through
/graphql/. Skipped when Node.js/npm are missing, unless REQUIRE_SERVICES=1."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import service_missing
from tests.faults.stack import script

from .stack import BOOK, post, sqlite_env, web

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
    env = sqlite_env(sqlite_template, tmp_path)
    data = script(env, "from tests.faults import scenarios\n"
                       "print(json.dumps(scenarios.residents_with_tokens(2, capacity=10, days=1)))")
    proc, port = web(env)
    client = None
    try:
        start = dt.datetime.fromisoformat(data["starts"][0])
        client = subprocess.Popen(
            ["node", "subscribe.mjs", f"http://127.0.0.1:{port}/graphql/stream", data["tokens"][0], data["resource"],
             (start - dt.timedelta(hours=1)).isoformat(), (start + dt.timedelta(hours=1)).isoformat()],
            cwd=JS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert client.stdout is not None
        ready = json.loads(client.stdout.readline() or "{}")
        assert ready == {"ready": 200}, client.stderr.read() if client.stderr else ready
        # when the other resident books that slot through /graphql/
        answer = post(port, BOOK, {"input": {"resourceId": data["resource"], "start": data["starts"][0]}},
                      data["tokens"][1])
        assert answer["data"]["bookSlot"]["errors"] == []
        # then the client prints the change and ends
        out, err = client.communicate(timeout=20)
        assert client.returncode == 0, err
        result = json.loads(out.splitlines()[0])["result"]
        assert "errors" not in result, result
        slot = result["data"]["slotsChanged"]
        assert (slot["booked"], slot["remaining"], slot["closed"]) == (1, 9, False)
        assert dt.datetime.fromisoformat(slot["start"]) == start
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.wait(timeout=10)
        output = proc.output()
        proc.stop()
    assert "Traceback" not in output, output[-3000:]
