"""Issue 12: the web app as its people use it (through the test client; the browser journeys are in
test_browser_people.py)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.test import Client

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


def _full_hall(world: World):  # type: ignore[no-untyped-def]
    """A one-place reading room tomorrow 09:00–10:00, already taken by the neighbour."""
    import datetime as dt

    from booking.services.availability import set_opening_hours
    from booking.services.bookings import BookingRequest, book_slot
    from booking.services.hours import WindowSpec
    from tests.factories import ResourceFactory

    from .conftest import EVERY_DAY

    room = ResourceFactory(unit=world.unit, name="阅览室", category="OTHER", capacity=1)
    set_opening_hours(actor=None, resource=room, windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=dt.time(9), end_time=dt.time(10))])
    taken = book_slot(actor=world.neighbour, request=BookingRequest(resource=room, start=world.tomorrow_at(9)))
    return room, taken.booking


def test_a_full_slot_offers_one_button_to_join_the_waiting_list(world: World):
    from booking.models import Booking

    from .helpers import gid

    room, _ = _full_hall(world)
    start = world.tomorrow_at(9).isoformat()
    client = client_for(world.resident)
    # the week shows the slot as full, with the waiting list as its action
    week = client.get(f"/resources/{gid('Resource', room.pk)}/").content.decode()
    assert "slot full" in week
    # the booking page has no separate box to tick, one button
    page = client.get(f"/resources/{gid('Resource', room.pk)}/book/", {"start": start})
    html = page.content.decode()
    assert 'type="checkbox" name="joinWaitlist"' not in html and "name=\"standing\"" not in html
    assert page.context["full"]
    # when she presses it, with the form as the page gave it
    response = client.post(f"/resources/{gid('Resource', room.pk)}/book/",
                           {"start": start, "quantity": 1, "joinWaitlist": "True"})
    assert response.status_code == 302
    mine = Booking.objects.get(user=world.resident, resource=room)
    assert mine.status == "WAITLISTED"
    # then the week and the booking page tell her her place on the list instead of offering it again
    week = client.get(f"/resources/{gid('Resource', room.pk)}/").content.decode()
    assert "slot mine" in week and "slot full" not in week
    again = client.get(f"/resources/{gid('Resource', room.pk)}/book/", {"start": start})
    assert again.context["held"]["status"] == "WAITLISTED" and "<form method=\"post\" class=\"stack\"" not in \
        again.content.decode()


def test_the_holder_of_a_slot_is_not_offered_the_waiting_list(world: World):
    from .helpers import gid

    room, _ = _full_hall(world)
    client = client_for(world.neighbour)
    page = client.get(f"/resources/{gid('Resource', room.pk)}/book/", {"start": world.tomorrow_at(9).isoformat()})
    assert page.context["held"]["status"] == "CONFIRMED"
    assert "Join the waiting list" not in page.content.decode() and "加入候补" not in page.content.decode()


def test_a_worker_puts_a_resident_on_the_waiting_list_of_a_full_slot(world: World):
    from booking.models import Booking

    from .helpers import gid

    room, _ = _full_hall(world)
    client = client_for(world.worker)
    rid, start = gid("Resource", room.pk), world.tomorrow_at(9).isoformat()
    page = client.get("/community/book/", {"resource": rid, "start": start})
    assert page.context["full"]
    response = client.post("/community/book/", {"resource": rid, "start": start, "quantity": 1,
                                                "joinWaitlist": "True", "residents": [gid("User", world.resident.pk)]})
    assert response.status_code == 302
    assert Booking.objects.get(user=world.resident, resource=room).status == "WAITLISTED"


def test_my_data_is_readable_with_a_download_and_the_calendar_address_to_copy(world: World):
    client = client_for(world.resident)
    response = client.get("/me/data/")
    html = response.content.decode()
    text = _text(html)
    # no JSON, no English keys, no base64 ids, no enum codes in what she reads
    for raw in ("{", '"displayName"', "residencyVerified", "RESIDENT", "VXNlcj", "ELDERLY"):
        assert raw not in text, raw
    assert "王秀英" in text
    # the file download stays, and the feed address is in a field with copy and rotate buttons
    assert 'href="?download=1"' in html
    assert 'id="feed-url"' in html and 'data-copy="feed-url"' in html
    assert 'action="/me/calendar/rotate/"' in html and 'value="rotateCalendarSecret"' in html


def test_rotating_the_calendar_address_gives_a_new_feed_and_retires_the_old(world: World):
    # given the address she sees now
    client = client_for(world.resident)
    before = re.search(r'id="feed-url"[^>]*value="([^"]+)"', client.get("/me/data/").content.decode())
    assert before is not None
    # when she presses 更换地址
    response = client.post("/me/calendar/rotate/", follow=True)
    # then the page says so, shows another address, and the old one answers 404
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    after = re.search(r'id="feed-url"[^>]*value="([^"]+)"', client.get("/me/data/").content.decode())
    assert after is not None and after.group(1) != before.group(1)
    assert Client().get(urlparse(before.group(1)).path).status_code == 404
