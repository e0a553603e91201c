"""POST /graphql/stream end to end against a real web process (uvicorn serving config.asgi) in the
embedded mode: a SQLite database and the SQLite event log as the broker. The client is httpx streaming."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.stack import Process, script

from .stack import BOOK, SUBSCRIBE_SLOTS, Subscriber, opened, post, sqlite_env, web


class Site:
    def __init__(self, proc: Process, port: int, env: dict[str, str], data: dict[str, Any]) -> None:
        self.proc, self.port, self.env, self.data = proc, port, env, data

    def slots_variables(self) -> dict[str, Any]:
        first = dt.datetime.fromisoformat(self.data["starts"][0])
        return {"r": self.data["resource"], "from": first.isoformat(),
                "to": (first + dt.timedelta(days=1)).isoformat()}


RESIDENTS = ("from tests.faults import scenarios\n"
             "print(json.dumps(scenarios.residents_with_tokens(3, capacity=10, days=2)))")


def _site(template: Path, folder: Path, setup: str = RESIDENTS, **extra: str) -> Iterator[Site]:
    env = sqlite_env(template, folder, **extra)
    data = script(env, setup)
    proc, port = web(env)
    try:
        yield Site(proc, port, env, data)
    finally:
        output = proc.output()
        proc.stop()
        assert "Traceback" not in output, output[-4000:]


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _site(sqlite_template, tmp_path_factory.mktemp("live-site"))


def _book(site: Site, token: str, start: str) -> dict[str, Any]:
    answer = post(site.port, BOOK, {"input": {"resourceId": site.data["resource"], "start": start}}, token)
    assert answer["data"]["bookSlot"]["errors"] == [], answer
    return answer


def test_a_booking_through_graphql_reaches_a_slots_changed_subscriber_with_the_viewers_remaining(site: Site) -> None:
    # given a resident subscribed to the first day's slots
    token, other = site.data["tokens"][0], site.data["tokens"][1]
    with Subscriber(site.port, SUBSCRIBE_SLOTS, site.slots_variables(), token) as stream:
        opened(stream)
        # when another resident books the first slot through /graphql/
        _book(site, other, site.data["starts"][0])
        # then the change arrives, re-read for the subscriber
        name, data = stream.next_event()
    assert name == "next", data
    slot = data["data"]["slotsChanged"]
    assert slot["booked"] == 1 and slot["remaining"] == 9 and slot["closed"] is False
    assert slot["start"] == dt.datetime.fromisoformat(site.data["starts"][0]).isoformat()


def test_a_change_outside_the_subscribed_range_is_not_sent(site: Site) -> None:
    # given a subscriber of the first day only
    token = site.data["tokens"][0]
    with Subscriber(site.port, SUBSCRIBE_SLOTS, site.slots_variables(), token) as stream:
        opened(stream)
        # when a slot of the second day and then one of the first day are booked
        _book(site, token, site.data["starts"][1])
        _book(site, token, site.data["starts"][0])
        # then the first event is the first day's slot
        name, data = stream.next_event()
    assert name == "next"
    assert data["data"]["slotsChanged"]["start"] == dt.datetime.fromisoformat(site.data["starts"][0]).isoformat()


def test_notification_added_shows_the_viewers_new_notification(site: Site) -> None:
    token = site.data["tokens"][2]
    query = "subscription { notificationAdded { id kind title } }"
    with Subscriber(site.port, query, {}, token) as stream:
        opened(stream)
        # when the subscriber books (a confirmation is written for them)
        _book(site, token, site.data["starts"][0])
        name, data = stream.next_event()
    assert name == "next", data
    assert data["data"]["notificationAdded"]["kind"] == "BOOKING_CONFIRMED"


def test_anonymous_match_run_progress_gets_an_error_and_no_data(site: Site) -> None:
    query = "subscription($id: ID!) { matchRunProgress(id: $id) { status progress } }"
    with Subscriber(site.port, query, {"id": "TWF0Y2hSdW46MQ=="}) as stream:  # MatchRun:1
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        name, data = stream.next_event()
        assert name == "open"
        name, data = stream.next_event()
        assert name == "next"
        assert data["data"] is None
        assert [e["extensions"]["code"] for e in data["errors"]] == ["PERMISSION_DENIED"]
        assert stream.next_event() == ("complete", None)


def test_anonymous_notification_added_is_refused(site: Site) -> None:
    with Subscriber(site.port, "subscription { notificationAdded { id } }", {}) as stream:
        opened(stream)
        name, data = stream.next_event()
    assert name == "next" and data["data"] is None
    assert data["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_limits_of_graphql_apply_to_subscriptions(site: Site) -> None:
    # given a selection with more aliases than allowed (20), and one nested deeper than 12 levels
    aliases = " ".join(f"a{i}: id" for i in range(25))
    wide = ("subscription($r: ID!, $from: DateTime!, $to: DateTime!) { "
            f"slotsChanged(resourceId: $r, from: $from, to: $to) {{ {aliases} }} }}")
    nest = "resource { unit { resources(first: 1) { edges { node { " * 3 + "id" + " } } } } }" * 3
    deep = ("subscription($r: ID!, $from: DateTime!, $to: DateTime!) { "
            f"slotsChanged(resourceId: $r, from: $from, to: $to) {{ {nest} }} }}")
    for query in (wide, deep):
        with Subscriber(site.port, query, site.slots_variables()) as stream:
            assert stream.response.status_code == 200
            assert stream.next_event() == ("open", None)
            name, data = stream.next_event()
            assert name == "next" and data["data"] is None, data
            assert {e["extensions"]["code"] for e in data["errors"]} == {"INVALID"}
            assert stream.next_event() == ("complete", None)


def test_a_query_or_mutation_is_not_served_on_the_stream(site: Site) -> None:
    with Subscriber(site.port, "{ subdistricts { id } }", {}) as stream:
        stream.next_event()
        name, data = stream.next_event()
    assert name == "next" and data["errors"][0]["extensions"]["code"] == "INVALID"


def test_keep_alive_comments_arrive_while_nothing_happens(site: Site) -> None:
    # given the test server's keep-alive period of 0.5 s
    with Subscriber(site.port, SUBSCRIBE_SLOTS, site.slots_variables(), timeout=5) as stream:
        opened(stream)
        # then comments keep coming (each read is bounded by the client's 5 s timeout)
        stream.wait_for_comments(4)
    assert stream.comments >= 4


def test_http_level_refusals(site: Site) -> None:
    url = f"http://127.0.0.1:{site.port}/graphql/stream"
    assert httpx.get(url).status_code == 405
    bad = httpx.post(url, json={"query": SUBSCRIBE_SLOTS}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert httpx.post(url, content=b"query=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
                      ).status_code == 415
    assert httpx.post(url, json={"query": "x" * 200_000}).status_code == 413


def test_a_session_stream_needs_csrf(site: Site) -> None:
    url = f"http://127.0.0.1:{site.port}/graphql/stream"
    answer = httpx.post(url, json={"query": SUBSCRIBE_SLOTS}, cookies={"sessionid": "whatever"})
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_open_streams_are_capped_per_user(sqlite_template: Path, tmp_path: Path) -> None:
    for site in _site(sqlite_template, tmp_path, LIVE_MAX_STREAMS_PER_USER="2"):
        token = site.data["tokens"][0]
        with Subscriber(site.port, SUBSCRIBE_SLOTS, site.slots_variables(), token) as first, \
                Subscriber(site.port, SUBSCRIBE_SLOTS, site.slots_variables(), token) as second:
            opened(first)
            opened(second)
            third = httpx.post(f"http://127.0.0.1:{site.port}/graphql/stream",
                               json={"query": SUBSCRIBE_SLOTS, "variables": site.slots_variables()},
                               headers={"Authorization": f"Bearer {token}"})
            assert third.status_code == 429
            assert third.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            # another user is not limited by the first one's streams
            with Subscriber(site.port, SUBSCRIBE_SLOTS, site.slots_variables(), site.data["tokens"][1]) as other:
                opened(other)
        # closed streams are released
        with Subscriber(site.port, SUBSCRIBE_SLOTS, site.slots_variables(), token) as again:
            opened(again)


QUEUED_RUN = """from matching.services import runs
from tests.faults import scenarios
from tests.factories import district_staff, resident, CommunityFactory
from marketplace.services.tokens import issue_token
from graphql_relay import to_global_id
scenarios.matching_two_parts()
runs._enqueue = lambda run_id: None  # queued, not started: the test starts it from another process
pk = scenarios.start_run()
print(json.dumps({"run": to_global_id("MatchRun", pk), "pk": pk, "staff": issue_token(user=district_staff()),
                  "resident": issue_token(user=resident(CommunityFactory()))}))"""
PROGRESS = "subscription($id: ID!) { matchRunProgress(id: $id) { id status progress servedQuantity } }"


def test_match_run_progress_follows_a_run_made_by_another_process_and_completes(sqlite_template: Path,
                                                                                 tmp_path: Path) -> None:
    for site in _site(sqlite_template, tmp_path, setup=QUEUED_RUN):
        _follow_a_run(site)


def _follow_a_run(site: Site) -> None:
    # given a queued run and district staff following it
    made = site.data
    with Subscriber(site.port, PROGRESS, {"id": made["run"]}, made["staff"], timeout=60) as stream:
        opened(stream)
        name, first = stream.next_event()
        assert name == "next" and first["data"]["matchRunProgress"]["status"] == "QUEUED", first
        # when another process (a worker, here a script with eager tasks) runs it
        script(site.env, f"from matching.tasks import prepare_match_run_task\nprepare_match_run_task({made['pk']})\n"
                         "print('null')")
        # then the stream shows its moves and completes after SUCCEEDED
        shown = []
        while (event := stream.next_event())[0] == "next":
            assert "errors" not in event[1], event
            shown.append(event[1]["data"]["matchRunProgress"])
        assert event == ("complete", None)
    assert shown[-1]["status"] == "SUCCEEDED" and shown[-1]["progress"] == 1.0 and shown[-1]["servedQuantity"] == 50
    assert [s["progress"] for s in shown] == sorted(s["progress"] for s in shown)
    # and a resident may not follow it
    with Subscriber(site.port, PROGRESS, {"id": made["run"]}, made["resident"]) as refused:
        opened(refused)
        name, data = refused.next_event()
    assert data["data"] is None and data["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # a finished run shows its final state at once and completes
    with Subscriber(site.port, PROGRESS, {"id": made["run"]}, made["staff"]) as late:
        opened(late)
        assert late.next_event()[1]["data"]["matchRunProgress"]["status"] == "SUCCEEDED"
        assert late.next_event() == ("complete", None)
