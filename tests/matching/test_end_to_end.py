"""End to end on a small generated district (the demo's generator) with eager Celery: needs from the
demo stage, opening hours through the booking services, a run, and an audit of what it proposed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from booking.services.availability import set_opening_hours
from booking.services.hours import WindowSpec
from marketplace.demo import loader
from marketplace.demo.district import generate
from marketplace.models import Resource
from matching.demo import load_needs
from matching.models import Allocation, MatchRunStatus, Need, UnservedReason
from matching.services.runs import start_match_run
from tests.factories import district_staff

from .conftest import NOW

pytestmark = pytest.mark.django_db


def load_small_district(scale: float = 0.08, seed: int = 5) -> loader.DemoContext:
    ctx = loader.DemoContext(district=generate(scale=scale, seed=seed), today=NOW.date())
    for stage in (loader.load_geography, loader.load_units, loader.load_people, load_needs):
        stage(ctx, lambda n: None)
    by_key = {r.key: r for r in ctx.district.resources}
    for resource in Resource.objects.filter(demo_key__in=list(by_key)):
        windows = [WindowSpec(weekdays=tuple(w.weekdays), start_time=w.start, end_time=w.end,
                              ends_next_day=w.ends_next_day, capacity=w.capacity, sex=w.sex)
                   for w in by_key[resource.demo_key].windows]
        set_opening_hours(actor=None, resource=resource, windows=windows, now=NOW)
    return ctx


@pytest.mark.slow
def test_a_run_on_a_generated_district_serves_within_every_rule(django_capture_on_commit_callbacks):
    # given
    ctx = load_small_district()
    assert Need.objects.count() == len(ctx.district.needs) > 20
    # when
    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(actor=district_staff(), now=NOW)
    run.refresh_from_db()
    # then
    assert run.status == MatchRunStatus.SUCCEEDED, run.error
    allocations = list(Allocation.objects.filter(match_run=run).select_related("need", "resource"))
    assert allocations and run.served_quantity > 0
    assert run.bound is not None and run.bound >= run.served_quantity and 0 <= run.gap < 0.2
    # every allocation obeys category, distance, window, weekdays and eligibility
    per_block: dict[tuple[int, object, dt.date], int] = defaultdict(int)
    for a in allocations:
        need, resource = a.need, a.resource
        assert resource.category == need.category
        assert a.distance_m <= need.max_distance_m
        assert resource.target_group in ("ANYONE", need.target_group)
        assert need.start_time <= a.start_time or need.ends_next_day
        assert set(a.weekdays) == {(d + (1 if a.start_time < need.start_time else 0)) % 7 for d in need.weekdays}
        day = a.starts_on
        while day <= a.ends_on:
            if day.weekday() in a.weekdays:
                per_block[(resource.pk, a.start_time, day)] += a.units
            day += dt.timedelta(days=1)
    # no occurrence of a block is promised beyond its capacity (hall: one booking)
    for (rid, _start, _day), used in per_block.items():
        resource = Resource.objects.get(pk=rid)
        assert used <= (1 if resource.category == "HALL" else resource.capacity)
    # every open need left (partly) unserved has a reason; served + unserved = demand, per need
    served = defaultdict(int)
    for a in allocations:
        served[a.need_id] += a.quantity
    for reason in UnservedReason.objects.filter(match_run=run).select_related("need"):
        need = reason.need
        if need.category != "HALL":
            assert served[need.pk] + reason.quantity == need.quantity
        else:
            assert served[need.pk] == 0
