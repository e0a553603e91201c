"""`manage.py run_matching`: queues a run, waits (eager Celery here), prints the figures; bad input exits 2."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from matching.models import MatchRun, MatchRunStatus

from .conftest import lunch_need


def run_command(*args: str) -> str:
    """Runs the command in English (an operator's shell may be either; zh-hans is the default)."""
    out = StringIO()
    with translation.override("en"):
        call_command("run_matching", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_run_matching_prints_served_bound_gap_starved_and_time(worker, canteen):
    # given
    lunch_need(worker, quantity=30)
    # when
    output = run_command("--horizon-days", "28", "--subdistrict", worker.membership("COMMUNITY_WORKER").community
                         .subdistrict.name)
    # then
    run = MatchRun.objects.get()
    assert run.status == MatchRunStatus.SUCCEEDED and run.created_by is None
    assert "served 30/30" in output and "bound 30" in output and "gap 0.00 %" in output
    assert "starved communities 0" in output and " s" in output


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (("--horizon-days", "0"), "horizon"), (("--horizon-days", "91"), "horizon"),
    (("--subdistrict", "没有这个街道"), "no subdistrict")])
def test_bad_input_is_a_message_and_exit_2(args, message):
    # when / then
    with pytest.raises(CommandError) as caught:
        run_command(*args)
    assert caught.value.returncode == 2 and message in str(caught.value).lower()
    assert not MatchRun.objects.exists()


@pytest.mark.django_db
def test_an_overlapping_run_is_refused_with_exit_2(staff):
    # given
    MatchRun.objects.create(status="RUNNING", created_at="2026-11-30T08:00:00+08:00", horizon_start="2026-12-01")
    # when / then
    with pytest.raises(CommandError) as caught:
        run_command()
    assert caught.value.returncode == 2 and "already queued or running" in str(caught.value)


@pytest.mark.django_db
def test_a_bad_horizon_is_told_in_chinese_by_default():
    with pytest.raises(CommandError) as caught:
        call_command("run_matching", "--horizon-days", "0", stdout=StringIO(), stderr=StringIO())
    assert caught.value.returncode == 2 and "规划天数" in str(caught.value)
