"""The matching part through HTTP: a worker posts a need, a resident supports it, staff run matching,
the unit accepts the proposal, and the district's figures follow from the rows."""

from __future__ import annotations

from typing import Any

import pytest

from matching.models import Need

from .conftest import Api
from .world import World

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

POST_NEED = """mutation($input: PostNeedInput!) { postNeed(input: $input) {
  need { id title status quantity weekdays weekdayPattern startTime endTime priority maxDistanceM community { name } }
  errors { field code } } }"""


def need_input(**overrides: Any) -> dict[str, Any]:
    values = {"category": "CANTEEN", "title": "工作日午餐", "quantity": 12, "weekdayPattern": "WEEKDAYS",
              "startTime": "11:00", "endTime": "12:00", "startsOn": "2026-12-01", "endsOn": "2026-12-31"}
    values.update(overrides)
    return values


def test_worker_posts_updates_and_closes_a_need(api: Api, world: World) -> None:
    # when
    posted = api.post(POST_NEED, {"input": need_input(priority=4)}, as_user=world["worker"])
    need_id = posted.data["postNeed"]["need"]["id"]
    updated = api.post("mutation($id: ID!) { updateNeed(input: {needId: $id, quantity: 15}) { need { quantity } "
                       "errors { code } } }", {"id": need_id}, as_user=world["worker"])
    supported = api.post("mutation($id: ID!) { supportNeed(input: {needId: $id, support: true}) "
                         "{ need { supporters viewerSupports } errors { code } } }", {"id": need_id},
                         as_user=world["resident_a"])
    closed = api.post('mutation($id: ID!) { closeNeed(input: {needId: $id, reason: "已由街道解决"}) '
                      "{ need { status } errors { code } } }", {"id": need_id}, as_user=world["worker"])
    # then
    need = posted.data["postNeed"]
    assert need["errors"] == []
    assert need["need"]["weekdays"] == [0, 1, 2, 3, 4] and need["need"]["status"] == "OPEN"
    assert need["need"]["community"] == {"name": "甲社区"}
    assert updated.data["updateNeed"] == {"need": {"quantity": 15}, "errors": []}
    assert supported.data["supportNeed"] == {"need": {"supporters": 1, "viewerSupports": True}, "errors": []}
    assert closed.data["closeNeed"] == {"need": {"status": "CLOSED"}, "errors": []}


def test_invalid_need_input_names_the_field(api: Api, world: World) -> None:
    # when
    answer = api.post(POST_NEED, {"input": need_input(endTime="10:00", quantity=0)}, as_user=world["worker"])
    # then
    errors = answer.data["postNeed"]["errors"]
    assert {e["code"] for e in errors} == {"INVALID"}
    assert {"quantity", "endTime"} <= {e["field"] for e in errors}
    assert Need.objects.count() == 1


def test_unit_accepts_a_proposal_and_the_need_is_served(api: Api, world: World) -> None:
    # when
    accepted = api.post("mutation($id: ID!) { respondToAllocation(input: {allocationId: $id, accept: true}) "
                        "{ allocation { status respondedAt need { status servedQuantity } } errors { code } } }",
                        {"id": world.gid(world.allocation)}, as_user=world["admin_x"])
    rate = api.post('query($id: ID!) { node(id: $id) { ... on Community { servedRate(from: "2026-12-01", '
                    'to: "2026-12-31") } } }', {"id": world.gid(world.community_a)}, as_user=world["worker"])
    # then
    payload = accepted.data["respondToAllocation"]
    assert payload["errors"] == []
    assert payload["allocation"]["status"] == "ACCEPTED" and payload["allocation"]["respondedAt"]
    assert payload["allocation"]["need"] == {"status": "MATCHED", "servedQuantity": 10}
    assert rate.data["node"]["servedRate"] == 1.0


def test_staff_run_matching_and_see_runs(api: Api, world: World, django_capture_on_commit_callbacks: Any) -> None:
    # when
    started = api.post("mutation { runMatching(input: {horizonDays: 7}) { matchRun { id status } errors { code } } }",
                       as_user=world["staff"])
    runs = api.post("{ matchRuns(first: 5) { totalCount edges { node { status progress demandQuantity "
                    "servedQuantity stages { name seconds } allocations(first: 5) { totalCount } } } } }",
                    as_user=world["staff"])
    again = api.post("mutation { runMatching(input: {horizonDays: 7}) { matchRun { id } errors { code } } }",
                     as_user=world["staff"])
    # then
    assert started.data["runMatching"]["errors"] == []
    assert started.data["runMatching"]["matchRun"]["status"] == "QUEUED"
    assert runs.data["matchRuns"]["totalCount"] == 2
    assert runs.data["matchRuns"]["edges"][0]["node"]["status"] == "QUEUED"  # newest first
    assert again.data["runMatching"]["errors"][0]["code"] == "CONFLICT"


def test_district_stats_follow_the_rows(api: Api, world: World) -> None:
    # given the proposal accepted (10 of the need's 10 served)
    api.post("mutation($id: ID!) { respondToAllocation(input: {allocationId: $id, accept: true}) { errors { code } } }",
             {"id": world.gid(world.allocation)}, as_user=world["admin_x"])
    # when: the week of 2026-11-30 (5 weekdays × 2 sittings × 40 seats at the canteen; one booking of 1)
    answer = api.post("""{ districtStats(from: "2026-11-30", to: "2026-12-06") { needsPosted demandQuantity
      servedQuantity servedRate bookings noShows utilisation
      bySubdistrict { subdistrict { name } servedRate bookings utilisation }
      byCategory { category bookings utilisation servedRate } } }""", as_user=world["staff"])
    # then
    stats = answer.data["districtStats"]
    assert stats["needsPosted"] == 1
    assert (stats["demandQuantity"], stats["servedQuantity"], stats["servedRate"]) == (10, 10, 1.0)
    assert stats["bookings"] == 1 and stats["noShows"] == 0
    assert stats["utilisation"] == round(1 / 400, 4)
    assert stats["bySubdistrict"] == [{"subdistrict": {"name": "西长安街"}, "servedRate": 1.0, "bookings": 1,
                                       "utilisation": round(1 / 400, 4)}]
    assert {c["category"]: c["bookings"] for c in stats["byCategory"]} == {"CANTEEN": 1, "PARKING": 0}


def test_a_year_and_more_is_invalid(api: Api, world: World) -> None:
    answer = api.post('{ districtStats(from: "2026-01-01", to: "2027-01-02") { bookings } }', as_user=world["staff"])
    assert answer.codes == ["INVALID"]
