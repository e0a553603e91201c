"""A run through a REAL Celery worker on the Redis broker and PostgreSQL: prepare -> chord(parts) ->
finish, across two worker processes. Bounded: the worker must finish within a minute."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from matching.models import Allocation, MatchRun, MatchRunStatus
from matching.services import runs
from matching.services.runs import start_match_run

from .conftest import NOW, canteen_with_hours, lunch_need

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 60


def _worker_env(redis_url: str, queue: str, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "CELERY_BROKER_URL": redis_url, "DATABASE_URL": url, "MATCHING_TEST_QUEUE": queue,
           "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0", "DJANGO_HTTPS": "0",
           "DJANGO_SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnop",
           "DJANGO_ALLOWED_HOSTS": "localhost", "LOG_LEVEL": "WARNING", **extra}
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = url.replace(f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@")
    return env


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_run_completes_through_the_chord_on_a_real_worker(postgres_only, redis_url, monkeypatch, worker, staff,
                                                             subdistrict):
    # given: two needs far apart (two independent parts), and a worker on a queue of our own
    from tests.factories import CommunityFactory, WorkUnitFactory, community_worker

    unit = WorkUnitFactory(subdistrict=subdistrict)
    canteen_with_hours(unit, capacity=40)
    canteen_with_hours(WorkUnitFactory(subdistrict=subdistrict, lat=39.95, lon=116.45), capacity=40,
                       lat=39.95, lon=116.45)
    lunch_need(worker, quantity=30)
    far = CommunityFactory(subdistrict=subdistrict, lat=39.951, lon=116.451)
    lunch_need(community_worker(far), quantity=20)
    queue = f"matching-test-{uuid.uuid4().hex[:8]}"
    publisher = Celery("publisher", broker=redis_url)
    monkeypatch.setattr(runs, "_enqueue", lambda run_id: publisher.send_task(
        "matching.tasks.prepare_match_run_task", args=[run_id], queue=queue))
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.matching.worker_app", "worker", "-Q", queue, "-c", "2",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=_worker_env(redis_url, queue), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # when
        run = start_match_run(actor=staff, now=NOW)
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline and proc.poll() is None:
            run.refresh_from_db()
            if run.is_final:
                break
            time.sleep(0.2)  # polling the outcome of another process, bounded by the deadline
        # then
        run.refresh_from_db()
        assert proc.poll() is None, "the worker exited early"
        assert run.status == MatchRunStatus.SUCCEEDED, (run.status, run.error)
        assert run.progress == 1.0 and run.served_quantity == 50 and run.parts_done == run.parts_total == 2
        assert Allocation.objects.filter(match_run=run).count() == 2
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        if MatchRun.objects.filter(status__in=("QUEUED", "RUNNING")).exists():
            print(out.decode(errors="replace")[-4000:])


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_nothing_half_written_and_the_reaper_fails_the_run(
        postgres_only, redis_url, monkeypatch, worker, staff, canteen, settings):
    # given: a worker whose parts hang, heartbeating every second
    import datetime as dt
    import signal

    from django.utils import timezone

    from matching.models import UnservedReason
    from matching.services.runs import reap_stale_runs

    lunch_need(worker, quantity=30)
    queue = f"matching-test-{uuid.uuid4().hex[:8]}"
    publisher = Celery("publisher", broker=redis_url)
    monkeypatch.setattr(runs, "_enqueue", lambda run_id: publisher.send_task(
        "matching.tasks.prepare_match_run_task", args=[run_id], queue=queue))
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.matching.worker_app", "worker", "-Q", queue, "-c", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=_worker_env(redis_url, queue, MATCHING_TEST_STALL_PARTS="1"), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run = start_match_run(actor=staff, now=NOW)
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status == MatchRunStatus.RUNNING and run.parts_total:
                break
            time.sleep(0.2)  # polling another process, bounded by the deadline
        assert run.status == MatchRunStatus.RUNNING and run.parts_total == 1
        # when: the worker is killed (-9) in the middle of the part
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    # then: nothing was written; the reaper fails it once the heartbeat is stale, and not before
    settings.MATCHING_STALE_AFTER_S = 300
    assert reap_stale_runs(now=timezone.now()) == 0
    assert reap_stale_runs(now=timezone.now() + dt.timedelta(minutes=6)) == 1
    run.refresh_from_db()
    assert run.status == MatchRunStatus.FAILED and "heartbeat" in run.error
    assert not Allocation.objects.exists() and not UnservedReason.objects.exists()
