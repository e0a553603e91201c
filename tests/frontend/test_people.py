"""Issue 12: the web app as its people use it (through the test client; the browser journeys are in
test_browser_people.py)."""

from __future__ import annotations

import re

import pytest

from matching.models import Allocation, MatchRun

from .conftest import World, populate
from .helpers import client_for

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_dashboard_after_a_run_shows_the_proposals_of_the_planning_horizon(
        world: World, settings, django_capture_on_commit_callbacks):
    settings.MATCHING_TIME_LIMIT_S = 5.0
    settings.MATCHING_DETERMINISTIC_TIME = 2.0
    # given a run that proposed lunch places nobody has accepted yet
    with django_capture_on_commit_callbacks(execute=True):
        populate(world)
    assert MatchRun.objects.get().status == "SUCCEEDED"
    proposed = sum(a.quantity for a in Allocation.objects.filter(status="PROPOSED"))
    assert proposed > 0
    # when district staff open the dashboard with no period chosen
    response = client_for(world.staff).get("/district/")
    # then the period is the run's horizon and the pipeline shows demand and the proposals waiting
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats["demandQuantity"] > 0 and stats["proposedQuantity"] == min(proposed, stats["demandQuantity"])
    assert response.context["is_horizon"]
    steps = {s["key"]: s["value"] for s in response.context["pipeline"]}
    assert steps["proposed"] > 0
    # and the map colours the community by the state that exists, with a legend
    communities = [p for p in response.context["map"]["points"] if p.kind.startswith("community")]
    assert any("proposed" in p.kind for p in communities)
    assert "legend" in response.content.decode()


def test_a_reversed_or_overlong_period_says_so_and_shows_the_horizon(world: World):
    client = client_for(world.staff)
    for query in ("from=2026-12-01&to=2026-01-01", "from=2020-01-01&to=2026-12-01", "from=garbage&to=x",
                  "from=0001-01-01&to=0001-01-02", "from=9999-12-30&to=9999-12-31"):
        response = client.get(f"/district/?{query}")
        assert response.status_code == 200, query
        assert response.context["problem"], query
