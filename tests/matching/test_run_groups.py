"""A run is split into groups that the workers load and solve themselves (issue 13, city scale): the
groups' results put together are exactly what the whole problem solved at once gives — proposals,
reasons and every figure — and what crosses groups is checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.demo.district import generate
from matching import solver
from matching.models import Allocation, MatchRun, MatchRunSnapshot, MatchRunStatus, UnservedReason
from matching.services import adapter, runs
from matching.services.runs import finish_run, prepare_run, solve_run_part, start_match_run
from matching.solver import api as solver_api
from matching.solver import metrics
from matching.solver.audit import AuditError, check_parts
from matching.solver.from_district import to_problem

from .conftest import NOW, lunch_need
from .test_end_to_end import load_small_district

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_the_groups_give_what_the_whole_problem_solved_at_once_gives(django_capture_on_commit_callbacks):
    # given: a generated district (stored slots, so free capacity differs from the blocks'), and what
    # the solver gives for the whole problem loaded at once, over the horizon the run will have
    load_small_district(scale=0.15, seed=3)
    horizon = MatchRun(horizon_days=28, horizon_start=NOW.date() + dt.timedelta(days=1))
    problem, keys = adapter.load_problem(horizon)
    whole = solver_api.solve(problem, runs.solve_settings())
    expected_allocations, expected_reasons = adapter.rows_of(whole.allocations, whole.unserved, keys)
    # when: a run through the tasks (eager chord: prepare, the groups, finish)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(actor=None, now=NOW)
    run.refresh_from_db()
    # then: more than one group, some needs in none, and the same proposals, reasons and figures
    assert run.status == MatchRunStatus.SUCCEEDED, run.error
    assert run.parts_total > 1 and len(expected_reasons) > 0
    got = sorted(Allocation.objects.filter(match_run=run).values_list(
        "need_id", "resource_id", "block_index", "quantity", "distance_m", "starts_on", "ends_on"))
    assert got == sorted((a[0], a[2], a[6], a[3], a[4], dt.date.fromisoformat(a[10]), dt.date.fromisoformat(a[11]))
                         for a in expected_allocations)
    assert sorted(UnservedReason.objects.filter(match_run=run).values_list(
        "need_id", "code", "quantity", "detail", "blocking_need_id")) == sorted(map(tuple, expected_reasons))
    m = whole.metrics
    assert (run.served_quantity, run.demand_quantity, run.bound, run.gap, run.starved_communities) == (
        m.served, m.demand, m.bound, m.gap, m.starved_communities)
    assert (run.min_community_share, run.p10_community_share, run.p90_distance_m) == (
        m.min_community_share, m.p10_community_share, m.p90_distance_m)
    assert run.mean_distance_m == pytest.approx(m.mean_distance_m)
    assert run.solver_budget == pytest.approx(whole.budget)


def test_summaries_of_disjoint_needs_add_up_to_the_metrics_of_the_whole() -> None:
    # given: a solved generated district with previous proposals (churn) and its needs cut in three
    problem = to_problem(generate(0.1, 4))
    settings = solver.SolveSettings(deterministic_time=0.2)
    first = solver_api.solve(problem, settings)
    problem = dataclasses.replace(problem, previous=tuple(
        solver.PreviousAllocation(a.need_key, a.resource_key, a.block_index, a.quantity)
        for a in first.allocations[::2]))
    solution = solver_api.solve(problem, settings)
    cs = solver.candidates.build(problem)
    servable = solver_api.servable(problem, cs, settings)
    thirds = [problem.needs[i::3] for i in range(3)]
    # when
    summaries = []
    for needs in thirds:
        keys = {n.key for n in needs}
        part = dataclasses.replace(problem, needs=needs)
        summaries.append(metrics.summarise(part, [a for a in solution.allocations if a.need_key in keys],
                                           solution.metrics.bound / 3,
                                           {k: v for k, v in servable.items() if k in keys}))
    # then
    assert metrics.from_summaries(summaries) == metrics.compute(problem, solution.allocations,
                                                                solution.metrics.bound, servable)
    assert solution.metrics.churn is not None and solution.metrics.p90_distance_m > 0


def test_a_need_or_a_resource_in_two_parts_fails_the_check() -> None:
    check_parts([(["n1", "n2"], ["r1"]), (["n3"], ["r2"]), (["n4"], [])])
    with pytest.raises(AuditError, match="n2: in parts 0 and 1"):
        check_parts([(["n1", "n2"], ["r1"]), (["n2"], [])])
    with pytest.raises(AuditError, match="r1: allocated by parts 0 and 1"):
        check_parts([(["n1"], ["r1"]), (["n2"], ["r1"])])


def test_groups_that_overlap_fail_the_run_and_write_nothing(worker, staff, canteen):
    # given: a run prepared and its one group solved by hand
    lunch_need(worker, quantity=30)
    run = start_match_run(actor=staff, now=NOW)
    parts = prepare_run(run.pk)
    assert parts is not None and len(parts) == 1
    results = [solve_run_part(run.pk, part, seconds) for part, seconds in parts]
    assert results[0] is not None and results[0]["allocations"]
    # when: the same group's result arrives twice (a group overlapping another)
    assert finish_run(run.pk, [*results, results[0]]) is False
    # then
    run.refresh_from_db()
    assert run.status == MatchRunStatus.FAILED and "AuditError" in run.error and "in parts 0 and 1" in run.error
    assert not Allocation.objects.exists() and not UnservedReason.objects.exists()


@pytest.mark.slow
def test_outlines_per_category_give_the_groups_of_one_outline_of_the_whole_run():
    # given: a generated district with several categories, and the groups of one outline of the whole run
    load_small_district(scale=0.15, seed=3)
    run = start_match_run(actor=None, now=NOW)
    whole, alone = runs.outline_groups(adapter.load_outline(run)[0])
    # when: the run is outlined category by category (largest first) and dispatched
    categories = runs.start_run(run.pk)
    assert categories is not None and len(categories) > 2
    counts = [adapter.scope_needs(run).filter(category=c).count() for c in categories]
    assert counts == sorted(counts, reverse=True)
    outlines, progress = [], []
    for c in categories:  # each outline moves the run's progress by its share, below the dispatch's
        outlines.append(runs.outline_category(run.pk, c, of=len(categories)))
        progress.append(MatchRun.objects.get(pk=run.pk).progress)
    assert runs.STARTED < progress[0] and progress == sorted(set(progress)) and progress[-1] < runs.PREPARED
    parts = runs.dispatch_run(run.pk, outlines, categories, started=time.time())
    runs.outline_category(run.pk, categories[0], of=len(categories))  # redelivered after the dispatch
    assert MatchRun.objects.get(pk=run.pk).progress == pytest.approx(runs.PREPARED)  # not backwards
    # then: the same groups, indexed in the same order, and the same needs left over
    assert parts is not None and len(parts) == len(whole.groups)
    assert sorted((p["index"], p["category"], p["needs"], p["resources"], p["declined"]) for p, _ in parts) == [
        (i, g.category, g.need_ids, g.resource_ids, g.declined) for i, g in enumerate(whole.groups)]
    stored = MatchRunSnapshot.objects.get(match_run=run).keys["leftover"]
    assert sorted(stored["needs"]) == sorted(int(adapter.load_outline(run)[0].needs[n].key[1:]) for n in alone)
    assert len(stored["summaries"]) == len(categories)
    run.refresh_from_db()
    assert run.progress == pytest.approx(0.1)
    assert 0 <= {s["name"]: s["seconds"] for s in run.stages}["prepare wall"] < 600


def test_a_redelivered_dispatch_does_nothing_and_a_failed_outline_fails_the_run(worker, staff, canteen):
    # given: a run started and its one category outlined
    lunch_need(worker, quantity=30)
    run = start_match_run(actor=staff, now=NOW)
    categories = runs.start_run(run.pk)
    assert categories == ["CANTEEN"] and runs.start_run(run.pk) is None  # a redelivered start: nothing
    outlines = [runs.outline_category(run.pk, c) for c in categories]
    # when: the dispatch runs twice (a redelivered task)
    first, second = runs.dispatch_run(run.pk, outlines, categories), runs.dispatch_run(run.pk, outlines, categories)
    # then: the snapshot claimed the first; the second fans nothing out
    assert first is not None and len(first) == 1 and second is None
    assert MatchRunSnapshot.objects.filter(match_run=run).count() == 1
    assert MatchRun.objects.get(pk=run.pk).parts_total == 1
    # and: another run whose outline of a category failed (None) ends FAILED without a snapshot
    other = MatchRun.objects.create(status=MatchRunStatus.RUNNING, created_at=NOW, horizon_start=NOW.date())
    assert runs.dispatch_run(other.pk, [*outlines, None], [*categories, "HALL"]) is None
    other.refresh_from_db()
    assert other.status == MatchRunStatus.FAILED and "outline" in other.error
    assert not MatchRunSnapshot.objects.filter(match_run=other).exists()
    # and: one whose outlines are not those of its categories (one missing) ends FAILED too
    third = MatchRun.objects.create(status=MatchRunStatus.RUNNING, created_at=NOW, horizon_start=NOW.date())
    assert runs.dispatch_run(third.pk, outlines, [*categories, "HALL"]) is None
    third.refresh_from_db()
    assert third.status == MatchRunStatus.FAILED and "categories" in third.error
    assert not MatchRunSnapshot.objects.filter(match_run=third).exists()


def test_the_outline_reads_previous_proposals_with_their_resources_in_one_query(worker, staff, canteen):
    # given: a first run's three open proposals (one per need)
    for quantity in (10, 12, 14):
        lunch_need(worker, quantity=quantity)
    first = start_match_run(actor=staff, now=NOW)
    parts = prepare_run(first.pk)
    assert parts is not None
    assert finish_run(first.pk, [solve_run_part(first.pk, part, seconds) for part, seconds in parts])
    assert Allocation.objects.proposed().count() == 3
    second = start_match_run(actor=staff, now=NOW)
    # when
    with CaptureQueriesContext(connection) as queries:
        outline, _keys = adapter.load_outline(second)
    # then: the previous proposals are in, their units read without one query per proposal
    assert len(outline.previous) == 3
    lazy = [q["sql"] for q in queries.captured_queries
            if 'FROM "marketplace_resource"' in q["sql"] and '"marketplace_resource"."id" = ' in q["sql"]]
    assert lazy == []
