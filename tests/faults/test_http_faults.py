"""Residents booking through HTTP (gunicorn, bearer tokens) while a server goes away.

- PostgreSQL stopped and restarted mid-traffic: HTTP 503 + UNAVAILABLE (with Retry-After) during the
  outage, never a 500 or a traceback; every booking a client was told about exists afterwards (I4);
  retries with the same idempotency key never book twice (I3); counters agree (I1); the app recovers
  without a restart (the same gunicorn workers answer).
- The broker stopped: bookings succeed; their notifications go out once it is back (the sweeper).
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from .http import Answer, book, booked_pk
from .stack import app_env, gunicorn, one, rows, script, send, server_errors, stack_cleanup, wait_until, worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SWEEP = "booking.notifications.tasks.sweep_outbox_task"


def _setup(env: dict[str, str], residents: int, days: int) -> dict:  # type: ignore[type-arg]
    return script(env, "from tests.faults import scenarios\n"
                       f"print(json.dumps(scenarios.residents_with_tokens({residents}, days={days})))")


def _check_counters(db: str) -> None:
    """I1: each slot's `booked` is the quantity of its counted bookings."""
    mismatched = rows(db, """
        SELECT s.id, s.booked, coalesce(sum(b.quantity) FILTER (WHERE b.status IN
               ('PENDING', 'CONFIRMED', 'CHECKED_IN')), 0) AS counted
        FROM booking_slot s LEFT JOIN booking_booking b ON b.slot_id = s.id
        GROUP BY s.id, s.booked HAVING s.booked <> coalesce(sum(b.quantity) FILTER (WHERE b.status IN
               ('PENDING', 'CONFIRMED', 'CHECKED_IN')), 0) OR s.booked + s.held > s.capacity""")
    assert mismatched == []


def test_postgres_restart_under_booking_load_answers_503_then_recovers_without_a_restart(
        postgres_only, cluster):
    # given gunicorn on the private PostgreSQL and 16 residents who each book 8 days, retrying a 503
    # with the same idempotency key (as the contract tells clients to)
    db = cluster.database()
    env = app_env(db, "", FAULT_CHANNELS="{}", FAULT_MUTATION_RATE="10000")
    world = _setup(env, residents=16, days=8)
    web, port = gunicorn(env, workers=2, threads=4)
    answers: list[Answer] = []
    told: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 90

    def client(tokens: list[str]) -> None:
        for token in tokens:
            for day, start in enumerate(world["starts"]):
                while time.monotonic() < deadline:
                    answer = book(port, token, world["resource"], start, key=f"{token[:8]}-{day}")
                    with lock:
                        answers.append(answer)
                    pk = booked_pk(answer)
                    if pk is not None:
                        with lock:
                            told.append(pk)
                        break
                    if answer.status != 503:
                        return  # a refusal we do not expect: the assertions below report it
                    time.sleep(0.2)  # the client's back-off after a 503 (Retry-After), not synchronisation

    try:
        workers_before = web.children()
        threads = [threading.Thread(target=client, args=(world["tokens"][i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        # when PostgreSQL stops mid-traffic and comes back
        wait_until(lambda: len(told) >= 20, timeout=60, what="bookings before the outage")
        cluster.pg.stop()
        wait_until(lambda: sum(a.status == 503 for a in answers) >= 10, timeout=30, what="answers during the outage")
        cluster.pg.start()
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic()))
        # then the outage answered 503 UNAVAILABLE with Retry-After, and nothing else went wrong
        statuses = Counter(a.status for a in answers)
        assert set(statuses) == {200, 503}, statuses
        outage = [a for a in answers if a.status == 503]
        assert all(a.top_codes == ["UNAVAILABLE"] and "retry-after" in a.headers for a in outage)
        assert not any(a.status == 200 and booked_pk(a) is None for a in answers), [
            a.text for a in answers if a.status == 200 and booked_pk(a) is None][:3]
        # and every resident got every booking: the app recovered on its own, same workers
        assert len(set(told)) == 16 * 8
        assert web.alive() and web.children() == workers_before
        assert "Traceback" not in web.output() and server_errors(web.output()) == []
        # I4: everything a client was told exists; I3: one booking per resident and slot
        stored = {pk for (pk,) in rows(db, "SELECT id FROM booking_booking WHERE status = 'CONFIRMED'")}
        assert set(told) <= stored
        assert one(db, "SELECT count(*) FROM booking_booking") == 16 * 8
        assert rows(db, "SELECT user_id, slot_id FROM booking_booking GROUP BY user_id, slot_id "
                        "HAVING count(*) > 1") == []
        _check_counters(db)
    finally:
        cluster.ensure_running()
        stack_cleanup(web)


def test_broker_down_bookings_succeed_and_their_notices_go_out_when_it_returns(
        postgres_only, cluster, private_redis_server):
    # given gunicorn with a broker that is down, and 12 residents reachable by e-mail
    db = cluster.database()
    log = Path(tempfile.mkstemp(prefix="fault-sends-", suffix=".log")[1])
    env = app_env(db, private_redis_server.url, FAULT_MUTATION_RATE="10000", FAULT_SEND_LOG=str(log),
                  FAULT_CHANNELS=json.dumps({"email": "tests.faults.channels.RecordingChannel"}),
                  FAULT_NOTIFICATIONS_RETRY_SECONDS="0")
    world = _setup(app_env(db, ""), residents=12, days=1)
    web, port = gunicorn(env, workers=2, threads=2)
    proc = None
    try:
        private_redis_server.stop()
        # when each books (four at a time)
        results: list[tuple[Answer, float]] = []

        def client(tokens: list[str]) -> None:
            for token in tokens:
                started = time.monotonic()
                answer = book(port, token, world["resource"], world["starts"][0])
                results.append((answer, time.monotonic() - started))

        threads = [threading.Thread(target=client, args=(world["tokens"][i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        # then every booking succeeded, promptly, and its notice waits in the outbox
        assert [a.status for a, _ in results] == [200] * 12
        assert all(booked_pk(a) is not None for a, _ in results), [a.text for a, _ in results][:2]
        assert max(seconds for _, seconds in results) < 10
        assert one(db, "SELECT count(*) FROM booking_booking WHERE status = 'CONFIRMED'") == 12
        assert rows(db, "SELECT status, count(*) FROM notifications_outboxmessage GROUP BY status") == [
            ("PENDING", 12)]
        assert server_errors(web.output()) == []  # (the failed publishes are logged as warnings)
        # when the broker returns with a worker, and beat's sweeper runs
        private_redis_server.start()
        proc = worker(env)

        def all_sent() -> bool:
            send(private_redis_server.url, SWEEP)
            return one(db, "SELECT count(*) FROM notifications_outboxmessage WHERE status = 'SENT'") == 12

        wait_until(all_sent, timeout=60, what="the notices to go out", every=1.0)
        # then each resident was told
        assert len({line.split()[0] for line in log.read_text().splitlines()}) == 12
        assert one(db, "SELECT count(*) FROM notifications_notification") == 12
    finally:
        stack_cleanup(web, proc)
        log.unlink(missing_ok=True)
