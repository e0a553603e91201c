"""Match runs: the lifecycle through eager Celery, conflicts, failures, the reaper and write-once."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from core.errors import ErrorCode, ServiceError
from marketplace.models import AuditEntry
from matching.models import Allocation, MatchRun, MatchRunSnapshot, MatchRunStatus, UnservedReason
from matching.services import runs
from matching.services.runs import finish_run, prepare_run, reap_stale_runs, solve_run_part, start_match_run
from tests.factories import CommunityFactory, SubdistrictFactory, community_worker, resident

from .conftest import NOW, canteen_with_hours, lunch_need

pytestmark = pytest.mark.django_db


def run_now(capture, **kwargs) -> MatchRun:  # type: ignore[no-untyped-def]
    """Starts a run and lets its on-commit task run eagerly (the whole chord, inline)."""
    with capture(execute=True):
        run = start_match_run(now=NOW, **kwargs)
    run.refresh_from_db()
    return run


@pytest.mark.postgres
def test_a_run_proposes_allocations_and_reports_its_figures(worker, staff, canteen,
                                                            django_capture_on_commit_callbacks):
    # given
    need = lunch_need(worker, quantity=30)
    # when
    run = run_now(django_capture_on_commit_callbacks, actor=staff)
    # then
    assert run.status == MatchRunStatus.SUCCEEDED and run.error == ""
    assert run.progress == 1.0 and run.started_at and run.finished_at
    assert (run.served_quantity, run.demand_quantity, run.gap, run.starved_communities) == (30, 30, 0.0, 0)
    assert {"load", "prepare", "prepare wall", "flow", "merge", "write"} <= {s["name"] for s in run.stages}
    allocation = Allocation.objects.get()
    assert (allocation.need_id, allocation.resource_id, allocation.quantity) == (need.pk, canteen.pk, 30)
    assert allocation.status == "PROPOSED" and allocation.weekdays == [0, 1, 2, 3, 4]
    assert allocation.start_time in (dt.time(11), dt.time(12))
    assert (allocation.starts_on, allocation.ends_on) == (dt.date(2026, 12, 1), dt.date(2026, 12, 28))
    assert AuditEntry.objects.filter(action="match_run.finish", object_id=str(run.pk)).exists()


def test_only_district_staff_run_matching_and_the_horizon_is_bounded(worker, staff, community):
    # when / then
    for actor in (worker, resident(community)):
        with pytest.raises(ServiceError) as caught:
            start_match_run(actor=actor, now=NOW)
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
    for days in (0, 91):
        with pytest.raises(ServiceError) as caught:
            start_match_run(actor=staff, horizon_days=days, now=NOW)
        assert caught.value.code == ErrorCode.INVALID and caught.value.errors[0].field == "horizonDays"
    assert not MatchRun.objects.exists()


def test_an_overlapping_queued_or_running_run_is_a_conflict_naming_it(staff, subdistrict):
    # given: a district run queued (its task not run: no on-commit execution here)
    first = start_match_run(actor=staff, now=NOW)
    # when / then
    for scope in (None, subdistrict):
        with pytest.raises(ServiceError) as caught:
            start_match_run(actor=staff, subdistrict=scope, now=NOW)
        assert caught.value.code == ErrorCode.CONFLICT
        assert str(first.pk) in str(caught.value.errors[0].message)
    MatchRun.objects.filter(pk=first.pk).update(status=MatchRunStatus.RUNNING)
    with pytest.raises(ServiceError):
        start_match_run(actor=staff, subdistrict=subdistrict, now=NOW)
    assert MatchRun.objects.count() == 1


def test_runs_of_different_subdistricts_do_not_conflict_but_a_district_run_does(staff, subdistrict):
    # given
    other = SubdistrictFactory()
    start_match_run(actor=staff, subdistrict=subdistrict, now=NOW)
    # when
    start_match_run(actor=staff, subdistrict=other, now=NOW)
    # then
    with pytest.raises(ServiceError) as caught:
        start_match_run(actor=staff, now=NOW)
    assert caught.value.code == ErrorCode.CONFLICT
    assert MatchRun.objects.count() == 2


def test_the_same_idempotency_key_returns_the_same_run(staff):
    # when
    first = start_match_run(actor=staff, idempotency_key="run-1", now=NOW)
    again = start_match_run(actor=staff, idempotency_key="run-1", now=NOW)
    # then
    assert again.pk == first.pk and MatchRun.objects.count() == 1


@pytest.mark.parametrize("error", [RuntimeError("solver exploded"), SoftTimeLimitExceeded("soft time limit")])
def test_a_failing_or_timed_out_solve_ends_failed_with_the_error_and_writes_nothing(
        worker, staff, canteen, monkeypatch, django_capture_on_commit_callbacks, error):
    # given
    lunch_need(worker, quantity=30)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise error

    monkeypatch.setattr(runs.solver_api, "solve_part", broken)
    # when
    run = run_now(django_capture_on_commit_callbacks, actor=staff)
    # then
    assert run.status == MatchRunStatus.FAILED and run.finished_at is not None
    assert type(error).__name__ in run.error and str(error) in run.error
    assert not Allocation.objects.exists() and not UnservedReason.objects.exists()
    assert AuditEntry.objects.filter(action="match_run.fail").count() == 1
    # and a new run may start
    monkeypatch.undo()
    assert run_now(django_capture_on_commit_callbacks, actor=staff).status == MatchRunStatus.SUCCEEDED


def test_a_failed_audit_of_the_merge_ends_failed(worker, staff, canteen, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    # given
    lunch_need(worker, quantity=30)
    from matching.solver.audit import AuditError

    def failing_merge(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AuditError(["capacity exceeded on r1"])

    monkeypatch.setattr(runs.solver_api, "merge", failing_merge)
    # when
    run = run_now(django_capture_on_commit_callbacks, actor=staff)
    # then
    assert run.status == MatchRunStatus.FAILED and "capacity exceeded" in run.error
    assert not Allocation.objects.exists()


def test_the_chord_callback_firing_twice_writes_the_results_once(worker, staff, canteen):
    # given: a run prepared and its parts solved by hand (no on-commit execution)
    lunch_need(worker, quantity=30)
    run = start_match_run(actor=staff, now=NOW)
    parts = prepare_run(run.pk)
    assert parts is not None and MatchRun.objects.get(pk=run.pk).progress == pytest.approx(0.1)
    results = [solve_run_part(run.pk, part, seconds) for part, seconds in parts]
    assert MatchRun.objects.get(pk=run.pk).progress == pytest.approx(0.9)
    # when
    first = finish_run(run.pk, results)
    second = finish_run(run.pk, results)
    # then
    assert (first, second) == (True, False)
    assert Allocation.objects.count() == 1
    assert not MatchRunSnapshot.objects.filter(match_run=run).exists()
    assert AuditEntry.objects.filter(action="match_run.finish").count() == 1
    assert prepare_run(run.pk) is None  # a redelivered prepare does nothing


def test_a_dead_worker_is_reaped_once_its_heartbeat_is_stale(worker, staff, settings):
    # given: a run RUNNING whose worker last beat 10 minutes ago, one that beat just now, and a lost queued run
    settings.MATCHING_STALE_AFTER_S = 300
    settings.MATCHING_QUEUED_AFTER_S = 3600
    dead = MatchRun.objects.create(status="RUNNING", created_at=NOW, horizon_start=NOW.date(),
                                   heartbeat_at=NOW - dt.timedelta(minutes=10))
    alive = MatchRun.objects.create(status="RUNNING", created_at=NOW, horizon_start=NOW.date(),
                                    heartbeat_at=NOW - dt.timedelta(seconds=20))
    lost = MatchRun.objects.create(status="QUEUED", created_at=NOW - dt.timedelta(hours=2), horizon_start=NOW.date())
    # when
    reaped = reap_stale_runs(now=NOW)
    # then
    assert reaped == 2
    dead.refresh_from_db()
    lost.refresh_from_db()
    assert dead.status == MatchRunStatus.FAILED and "heartbeat" in dead.error
    assert lost.status == MatchRunStatus.FAILED
    assert MatchRun.objects.get(pk=alive.pk).status == MatchRunStatus.RUNNING
    # and the dead run's late callback writes nothing
    assert finish_run(dead.pk, []) is False


def test_a_second_run_supersedes_open_proposals_and_keeps_them_stable(worker, staff, canteen,
                                                                       django_capture_on_commit_callbacks):
    # given
    lunch_need(worker, quantity=30)
    first = run_now(django_capture_on_commit_callbacks, actor=staff)
    before = Allocation.objects.get(match_run=first)
    # when
    second = run_now(django_capture_on_commit_callbacks, actor=staff)
    # then
    before.refresh_from_db()
    after = Allocation.objects.get(match_run=second)
    assert before.status == "SUPERSEDED" and after.status == "PROPOSED"
    assert (after.resource_id, after.start_time, after.quantity) == (before.resource_id, before.start_time, 30)
    assert second.churn == 0.0


def test_unserved_needs_get_coded_reasons_from_the_latest_run(worker, staff, unit, canteen,
                                                              django_capture_on_commit_callbacks):
    # given: one need too big for the canteen, one far from any canteen, one at a time no window fits
    big = lunch_need(worker, quantity=100)
    far_community = CommunityFactory(subdistrict=canteen.unit.subdistrict, lat=39.99, lon=116.50)
    far = lunch_need(community_worker(far_community), quantity=10)
    evening = lunch_need(worker, quantity=10, start=dt.time(17), end=dt.time(18), title="晚餐")
    # when
    run = run_now(django_capture_on_commit_callbacks, actor=staff)
    # then
    reasons = {r.need_id: r for r in UnservedReason.objects.filter(match_run=run)}
    assert reasons[far.pk].code == "NO_RESOURCE_IN_REACH" and reasons[far.pk].quantity == 10
    assert reasons[evening.pk].code == "NO_WINDOW_FITS"
    assert reasons[big.pk].code == "CAPACITY_TAKEN" and reasons[big.pk].quantity == 100 - 2 * 40
    assert run.served_quantity == 80 and run.demand_quantity == 120


def test_a_subdistrict_run_touches_only_its_needs_and_respects_other_scopes_proposals(
        staff, subdistrict, unit, django_capture_on_commit_callbacks):
    # given: two communities in two subdistricts share one small canteen (two 11:00/12:00 sittings of 10)
    canteen = canteen_with_hours(unit, capacity=10)
    here = CommunityFactory(subdistrict=subdistrict, lat=39.91, lon=116.37)
    there = CommunityFactory(subdistrict=SubdistrictFactory(), lat=39.911, lon=116.371)
    need_there = lunch_need(community_worker(there), quantity=20)
    run_now(django_capture_on_commit_callbacks, actor=staff, subdistrict=there.subdistrict)
    assert Allocation.objects.filter(need=need_there, status="PROPOSED").count() == 2
    need_here = lunch_need(community_worker(here), quantity=10)
    # when
    run = run_now(django_capture_on_commit_callbacks, actor=staff, subdistrict=subdistrict)
    # then: the other scope's proposals stay and hold the capacity
    assert run.status == MatchRunStatus.SUCCEEDED
    assert Allocation.objects.filter(need=need_there, status="PROPOSED").count() == 2
    assert not Allocation.objects.filter(need=need_here).exists()
    assert UnservedReason.objects.get(need=need_here).code == "CAPACITY_TAKEN"
    assert canteen.pk == Allocation.objects.filter(need=need_there).first().resource_id


def test_a_failure_while_loading_ends_the_run_failed(worker, staff, canteen, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    # given
    lunch_need(worker, quantity=30)

    def broken(run, category=None):  # type: ignore[no-untyped-def]
        raise ValueError("bad opening window")

    monkeypatch.setattr(runs.adapter, "load_outline", broken)
    # when
    run = run_now(django_capture_on_commit_callbacks, actor=staff)
    # then
    assert run.status == MatchRunStatus.FAILED and run.error == "prepare: ValueError: bad opening window"
    assert not Allocation.objects.exists()


def test_the_reaper_is_a_periodic_task_holding_a_singleton_lock(settings):
    # given
    from django.utils import timezone

    from core.locks import Lock
    from matching.tasks import REAPER_LOCK, reap_match_runs_task

    dead = MatchRun.objects.create(status="RUNNING", created_at=NOW, horizon_start=NOW.date(),
                                   heartbeat_at=timezone.now() - dt.timedelta(days=1))
    # when: another reaper holds the lock
    other = Lock(REAPER_LOCK, ttl=30)
    assert other.acquire()
    skipped = reap_match_runs_task()
    other.release()
    reaped = reap_match_runs_task()
    # then
    assert (skipped, reaped) == (0, 1)
    assert MatchRun.objects.get(pk=dead.pk).status == MatchRunStatus.FAILED
    entry = settings.CELERY_BEAT_SCHEDULE["reap-match-runs"]
    assert entry["task"] == "matching.tasks.reap_match_runs_task"
