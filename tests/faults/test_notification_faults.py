"""Notifications under worker faults, on a private PostgreSQL and Redis with real Celery workers.

- a message whose sending always fails, or kills its worker every time (a poison message), is given
  up (DEAD) after exactly NOTIFICATIONS_MAX_ATTEMPTS attempts, and the worker survives;
- kill -9 of the worker while an expiry job writes notices and their deliveries run: after a
  restart every in-app notification exists exactly once and every outbox message is SENT (at least
  once on the outside channel).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from .stack import app_env, one, rows, script, send, stack_cleanup, wait_until, worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EXPIRE = "booking.tasks.expire_bookings_task"
SWEEP = "booking.notifications.tasks.sweep_outbox_task"


def _send_log() -> Path:
    return Path(tempfile.mkstemp(prefix="fault-sends-", suffix=".log")[1])


def _finished(db: str, task: str) -> int:
    return int(one(db, "SELECT count(*) FROM django_celery_results_taskresult WHERE task_name = %s "
                       "AND status = 'SUCCESS'", (task,)))


def test_a_message_that_always_fails_or_kills_its_worker_is_given_up_after_bounded_attempts(
        postgres_only, cluster, private_redis_server):
    # given two residents reachable by a refusing e-mail gateway and an SMS gateway that kills its worker,
    # at most 3 attempts per message, no backoff, a 1-second lease
    db, log = cluster.database(), _send_log()
    env = app_env(db, private_redis_server.url, FAULT_CHANNELS=json.dumps({
        "email": "tests.faults.channels.FailingChannel", "sms": "tests.faults.channels.WorkerKillingChannel"}),
        FAULT_NOTIFICATIONS_MAX_ATTEMPTS="3", FAULT_NOTIFICATIONS_RETRY_SECONDS="0",
        FAULT_NOTIFICATIONS_LEASE_SECONDS="1", FAULT_VISIBILITY_TIMEOUT="5", FAULT_SEND_LOG=str(log))
    script(app_env(db), "from tests.faults import scenarios\n"
                        "print(json.dumps(scenarios.expiring_bookings(2, email=True, phone=True)))")
    proc = worker(env)
    try:
        # when the expiry job tells both (4 outbox messages), and sweeps run as beat would run them
        send(private_redis_server.url, EXPIRE)

        def all_given_up() -> bool:
            if _finished(db, SWEEP) < 30:
                send(private_redis_server.url, SWEEP)
            return one(db, "SELECT count(*) FROM notifications_outboxmessage WHERE status = 'DEAD'") == 4

        wait_until(all_given_up, timeout=90, what="every outbox message to be given up", every=0.5)
        before = _finished(db, SWEEP)
        for _ in range(2):
            send(private_redis_server.url, SWEEP)
        wait_until(lambda: _finished(db, SWEEP) >= before + 2, timeout=30, what="two more sweeps")
        # then each message was attempted exactly 3 times, no more, and the worker lives on
        messages = rows(db, "SELECT channel, status, attempts FROM notifications_outboxmessage ORDER BY id")
        assert sorted(messages) == [("email", "DEAD", 3)] * 2 + [("sms", "DEAD", 3)] * 2
        assert log.read_text().count(" killed\n") == 6  # 2 messages x 3 attempts, each one killed its process
        assert one(db, "SELECT count(*) FROM notifications_notification") == 2
        assert proc.alive()
    finally:
        stack_cleanup(proc)
        log.unlink(missing_ok=True)


def test_kill_9_during_delivery_leaves_every_in_app_notice_exactly_once_and_sends_all(
        postgres_only, cluster, private_redis_server):
    # given 120 PENDING bookings that the expiry job will cancel and tell, a slow e-mail gateway
    n = 120
    db, log = cluster.database(), _send_log()
    env = app_env(db, private_redis_server.url,
                  FAULT_CHANNELS=json.dumps({"email": "tests.faults.channels.RecordingChannel"}),
                  FAULT_SEND_DELAY="0.03", FAULT_NOTIFICATIONS_RETRY_SECONDS="0",
                  FAULT_NOTIFICATIONS_LEASE_SECONDS="2", FAULT_VISIBILITY_TIMEOUT="5", FAULT_SEND_LOG=str(log))
    script(app_env(db), f"from tests.faults import scenarios\nprint(json.dumps(scenarios.expiring_bookings({n})))")
    first = worker(env, name="first")
    second = None
    try:
        # when two expiry jobs run at once and the worker is killed (-9, all its processes) mid-delivery
        send(private_redis_server.url, EXPIRE)
        send(private_redis_server.url, EXPIRE)
        wait_until(lambda: one(db, "SELECT count(*) FROM notifications_outboxmessage WHERE status = 'SENT'") >= 5,
                   timeout=60, what="deliveries to be under way")
        first.kill9()
        at_kill = rows(db, "SELECT (SELECT count(*) FROM notifications_notification), "
                           "(SELECT count(*) FROM notifications_outboxmessage WHERE status = 'SENT')")[0]
        # and a new worker takes over: the job runs again (beat) and the sweeper delivers what is due
        second = worker(env, name="second")
        send(private_redis_server.url, EXPIRE)

        def all_sent() -> bool:
            send(private_redis_server.url, SWEEP)
            return one(db, "SELECT count(*) FROM notifications_outboxmessage WHERE status = 'SENT'") == n

        wait_until(all_sent, timeout=90, what=f"all {n} messages to be sent (at kill: {at_kill})", every=1.0)
        # then every booking is cancelled and its owner has exactly one in-app notice
        assert one(db, "SELECT count(*) FROM booking_booking WHERE status = 'CANCELLED'") == n
        per_booking = rows(db, "SELECT booking_id, count(*) FROM notifications_notification "
                               "WHERE kind = 'BOOKING_CANCELLED' GROUP BY booking_id")
        assert len(per_booking) == n and {c for _, c in per_booking} == {1}
        assert one(db, "SELECT count(*) FROM notifications_notification") == n
        # and every message left on the channel at least once, one outbox row per notice
        assert rows(db, "SELECT count(*), count(DISTINCT notification_id) FROM notifications_outboxmessage"
                        " WHERE status = 'SENT'")[0] == (n, n)
        sent_to = [line.split()[0] for line in log.read_text().splitlines()]
        assert len(set(sent_to)) == n and len(sent_to) >= n
        assert one(db, "SELECT coalesce(sum(booked), 0) FROM booking_slot") == 0  # I1: nothing counted
    finally:
        stack_cleanup(first, second)
        log.unlink(missing_ok=True)
