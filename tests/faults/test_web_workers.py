"""gunicorn as docs/DEPLOY.md runs it (config/gunicorn.conf.py, production settings, PostgreSQL): the
master loads the project once (config/boot.py) and forks ready workers from it; workers replaced after
`WEB_MAX_REQUESTS` are forked the same way and serve with connections of their own. The same for the
stream process (config.asgi under uvicorn's worker class, with the same configuration file)."""

from __future__ import annotations

import json
import re

import pytest

from .http import book, booked_pk, post
from .stack import (
    PY,
    Process,
    app_env,
    free_port,
    gunicorn,
    one,
    script,
    server_errors,
    stack_cleanup,
    wait_for_port,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
LOADED = "loaded the URLconf, the GraphQL schema"


def _loaded_by(output: str) -> list[int]:
    """The pids of the processes that logged config.boot's line."""
    pids = []
    for line in output.splitlines():
        if line.startswith("{") and LOADED in line:
            pids.append(json.loads(line)["pid"])
    return pids


def test_workers_are_forked_loaded_from_the_master_and_their_replacements_serve(postgres_only, cluster):
    # given production gunicorn with 2 single-threaded workers, each replaced after 5 requests
    db = cluster.database()
    env = app_env(db, "", FAULT_CHANNELS="{}", FAULT_MUTATION_RATE="10000", LOG_LEVEL="INFO",
                  WEB_MAX_REQUESTS="5")
    world = script(env, "from tests.faults import scenarios\n"
                        "print(json.dumps(scenarios.residents_with_tokens(4, days=10)))")
    web, port = gunicorn(env, workers=2, threads=1)
    try:
        # when 4 residents each book 10 days, one booking after the other
        answers = [book(port, token, world["resource"], start) for token in world["tokens"]
                   for start in world["starts"]]
        output = web.output()
    finally:
        stack_cleanup(web)
    # then every one is booked and counted, by the first workers and by their replacements
    assert [a.status for a in answers] == [200] * 40, [a.text for a in answers if a.status != 200][:3]
    assert all(booked_pk(a) for a in answers), [a.text for a in answers if not booked_pk(a)][:3]
    assert one(db, "SELECT count(*) FROM booking_booking WHERE status = 'CONFIRMED'") == 40
    assert one(db, "SELECT sum(booked) FROM booking_slot") == 40
    workers = [int(p) for p in re.findall(r"Booting worker with pid: (\d+)", output)]
    assert len(workers) >= 8, output[-3000:]  # 40 requests, at most 5 to a worker
    # and the project was loaded once, by the master, before any worker was forked
    assert _loaded_by(output) == [web.pid], output[-3000:]
    assert web.pid not in workers
    assert server_errors(output) == []


def test_the_stream_process_is_loaded_once_by_its_master_and_replaced_workers_answer(postgres_only, cluster):
    # given the ASGI process as docs/DEPLOY.md runs it: 2 uvicorn workers, each replaced after 3 requests
    db = cluster.database()
    env = app_env(db, "", FAULT_CHANNELS="{}", LOG_LEVEL="INFO", WEB_MAX_REQUESTS="3")
    port = free_port()
    web = Process([PY, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "-k", "uvicorn_worker.UvicornWorker",
                   "--workers", "2", "--bind", f"127.0.0.1:{port}", "config.asgi"], env, "asgi")
    try:
        wait_for_port(port, timeout=60)
        wait_until(lambda: len(web.children()) >= 2, timeout=30, what="the uvicorn workers")
        answers = []

        def replaced_twice() -> bool:
            answers.append(post(port, "{ __typename }", {}))
            return web.output().count("Booting worker") >= 4

        # when operations are sent one after the other until two workers were replaced (uvicorn's worker
        # notices its limit on its next tick, a tenth of a second)
        wait_until(replaced_twice, timeout=60, what="two workers replaced")
        answers.append(post(port, "{ __typename }", {}))
        output = web.output()
    finally:
        stack_cleanup(web)
    # then each is answered, by the first workers and their replacements, all forked from a master that
    # loaded the project once
    assert {(a.status, str(a.body)) for a in answers} == {(200, str({"data": {"__typename": "Query"}}))}, output[-3000:]
    workers = [int(p) for p in re.findall(r"Booting worker with pid: (\d+)", output)]
    assert len(workers) >= 4, output[-3000:]
    assert _loaded_by(output) == [web.pid], output[-3000:]
    assert server_errors(output) == []
