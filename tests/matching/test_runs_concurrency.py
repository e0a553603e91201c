"""Write-once under real concurrency (PostgreSQL): two chord callbacks of one run at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from marketplace.models import AuditEntry
from matching.models import Allocation, MatchRun, MatchRunStatus
from matching.services.runs import finish_run, prepare_run, solve_run_part, start_match_run

from .conftest import NOW, lunch_need


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_callbacks_write_the_results_once(postgres_only, worker, staff, canteen, monkeypatch):
    # given: a prepared and solved run (the on-commit task is kept from running)
    from matching.services import runs

    monkeypatch.setattr(runs, "_enqueue", lambda run_id: None)
    lunch_need(worker, quantity=30)
    run = start_match_run(actor=staff, now=NOW)
    parts = prepare_run(run.pk)
    assert parts
    results = [solve_run_part(run.pk, part, seconds) for part, seconds in parts]
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def callback() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(finish_run(run.pk, results))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=callback) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then
    assert sorted(outcomes) == [False, True]
    assert MatchRun.objects.get(pk=run.pk).status == MatchRunStatus.SUCCEEDED
    assert Allocation.objects.filter(match_run=run).count() == 1
    assert AuditEntry.objects.filter(action="match_run.finish").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_starts_of_overlapping_runs_queue_one(postgres_only, staff, subdistrict, monkeypatch):
    # given
    from core.errors import ErrorCode, ServiceError
    from matching.services import runs

    monkeypatch.setattr(runs, "_enqueue", lambda run_id: None)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def start(scope) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            start_match_run(actor=staff, subdistrict=scope, now=NOW)
            outcomes.append("queued")
        except ServiceError as exc:
            outcomes.append(str(exc.code))
        finally:
            connection.close()

    # when: four overlapping starts at once (district and the same subdistrict)
    threads = [threading.Thread(target=start, args=(scope,)) for scope in (None, subdistrict, None, subdistrict)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then
    assert sorted(outcomes) == [ErrorCode.CONFLICT] * 3 + ["queued"]
    assert MatchRun.objects.count() == 1
