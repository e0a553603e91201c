"""District figures as a service: the pipeline from demand to proposed and accepted, the map's states,
served rates per community, and bad periods refused."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ErrorCode, ServiceError
from matching.models import Allocation, AllocationStatus
from matching.services.figures import community_state, district_map, district_stats, served_rates
from tests.graphql.world import build_world

pytestmark = pytest.mark.django_db
DECEMBER = (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_a_proposal_shows_in_the_pipeline_before_the_unit_accepts_it():
    # given a need of 10 with a proposal of 10 waiting for the unit
    world = build_world()
    # when
    stats = district_stats(*DECEMBER)
    # then
    assert (stats["demand_quantity"], stats["proposed_quantity"], stats["served_quantity"]) == (10, 10, 0)
    assert served_rates([world.community_a.pk, world.community_b.pk], *DECEMBER) == {
        world.community_a.pk: 0.0, world.community_b.pk: 0.0}


def test_accepting_moves_it_from_proposed_to_served():
    # given
    world = build_world()
    Allocation.objects.filter(pk=world.allocation.pk).update(status=AllocationStatus.ACCEPTED)
    # when
    stats = district_stats(*DECEMBER)
    communities = {c["pk"]: c for c in district_map(*DECEMBER)["communities"]}
    # then
    assert (stats["demand_quantity"], stats["proposed_quantity"], stats["served_quantity"]) == (10, 0, 10)
    assert communities[world.community_a.pk]["state"] == "SERVED"
    assert communities[world.community_b.pk]["state"] == "NO_NEED"
    assert served_rates([world.community_a.pk], *DECEMBER) == {world.community_a.pk: 1.0}


@pytest.mark.parametrize(("demand", "proposed", "served", "state"), [
    (0, 0, 0, "NO_NEED"), (10, 0, 8, "SERVED"), (10, 3, 2, "PROPOSED"), (10, 0, 2, "PARTLY"), (10, 0, 0, "WAITING"),
])
def test_a_communitys_map_state(demand, proposed, served, state):
    assert community_state(demand, proposed, served) == state


def test_a_reversed_period_is_invalid():
    with pytest.raises(ServiceError) as refused:
        district_stats(DECEMBER[1], DECEMBER[0])
    assert refused.value.code == ErrorCode.INVALID
