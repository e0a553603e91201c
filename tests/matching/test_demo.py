"""The demo's needs stage: every generated need becomes a Need, dates relative to today."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from marketplace.demo import loader, stages
from marketplace.demo.district import generate
from matching.demo import load_needs
from matching.models import Need

pytestmark = pytest.mark.django_db


def test_the_needs_stage_writes_the_generated_needs_for_their_communities():
    # given
    today = dt.date(2026, 11, 30)
    ctx = loader.DemoContext(district=generate(scale=0.1, seed=2), today=today)
    for stage in (loader.load_geography, loader.load_units, loader.load_people):
        stage(ctx, lambda n: None)
    written: list[int] = []
    # when
    load_needs(ctx, written.append)
    # then
    d = ctx.district
    assert Need.objects.count() == len(d.needs) == sum(written)
    first = d.needs[0]
    need = Need.objects.get(demo_key=first.key)
    assert need.community_id == ctx.communities[first.community_key]
    assert need.starts_on == today + dt.timedelta(days=first.starts_offset_days)
    assert (need.quantity, need.weekdays, need.max_distance_m) == (first.quantity, list(first.weekdays),
                                                                    first.max_distance_m)
    first_community = ctx.communities[d.communities[0].key]
    assert set(Need.objects.filter(community_id=first_community).values_list("created_by_id", flat=True)) == {
        ctx.users["demo-worker"]}
    assert "needs" in [name for name, _stage, _rows in stages.plan(ctx)]


@pytest.mark.slow
def test_the_needs_stage_takes_well_under_the_demo_budget_at_scale_1():
    # given
    ctx = loader.DemoContext(district=generate(scale=1, seed=1), today=dt.date(2026, 11, 30))
    for stage in (loader.load_geography, loader.load_units, loader.load_people):
        stage(ctx, lambda n: None)
    # when
    started = time.monotonic()
    load_needs(ctx, lambda n: None)
    elapsed = time.monotonic() - started
    # then
    assert Need.objects.count() == len(ctx.district.needs) > 2000
    assert elapsed < 5, elapsed
