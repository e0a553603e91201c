"""Worker, district staff and shared behaviour (language switch, htmx fragments) through the test client."""

from __future__ import annotations

import pytest
from django.test import Client

from booking.models import Booking
from matching.models import MatchRun

from .conftest import World, populate
from .helpers import client_for, gid

pytestmark = pytest.mark.django_db


def test_the_language_switch_turns_the_pages_english(world: World):
    # given a visitor on the Chinese home page
    client = Client()
    assert b'lang="zh-hans"' in client.get("/").content
    # when they press "English"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/resources/"})
    # then they come back to the same page, now in English
    assert response.status_code == 302 and response["Location"] == "/resources/"
    assert b'<html lang="en">' in client.get("/resources/").content


def test_a_worker_books_for_residents_and_gets_their_slips(world: World):
    client = client_for(world.worker)
    start = world.tomorrow_at(11).isoformat()
    rid = gid("Resource", world.canteen.pk)
    people = [gid("User", world.resident.pk), gid("User", world.neighbour.pk)]
    response = client.post("/community/book/", {"resource": rid, "start": start, "quantity": 1,
                                                "residents": people})
    assert response.status_code == 302 and response["Location"].startswith("/community/slips/?b=")
    assert Booking.objects.filter(booked_by=world.worker).count() == 2
    slips = client.get(response["Location"]).content.decode()
    for booking in Booking.objects.filter(booked_by=world.worker):
        assert booking.check_in_code in slips


def test_a_worker_must_choose_someone(world: World):
    client = client_for(world.worker)
    response = client.post("/community/book/", {"resource": gid("Resource", world.canteen.pk),
                                                "start": world.tomorrow_at(11).isoformat(), "quantity": 1})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Booking.objects.exists()


def test_disability_needs_recorded_consent(world: World):
    client = client_for(world.worker)
    uid = gid("User", world.resident.pk)
    # when the worker sets the flag without consent, it is refused next to the consent box
    response = client.post(f"/community/residents/{uid}/", {"verified": "on", "disabled": "on"})
    assert response.status_code == 200 and "consentRecorded" in response.context["form"].errors
    world.resident.refresh_from_db()
    assert not world.resident.is_disabled
    # and with consent it is set
    response = client.post(f"/community/residents/{uid}/", {"verified": "on", "disabled": "on",
                                                            "consentRecorded": "on"})
    assert response.status_code == 302
    world.resident.refresh_from_db()
    assert world.resident.is_disabled


def test_the_run_page_refreshes_a_fragment_from_the_live_stream_while_the_run_is_going(world: World):
    # given a queued run (its task runs only after commit, which a test transaction never reaches)
    things = populate(world)
    assert MatchRun.objects.get().status == "QUEUED"
    client = client_for(world.staff)
    # when the page is opened, and when htmx polls it
    full = client.get(f"/district/runs/{things.run}/").content.decode()
    fragment = client.get(f"/district/runs/{things.run}/", headers={"HX-Request": "true"}).content.decode()
    # then the page carries the fragment that live.js refreshes on each matchRunProgress event (no
    # polling), and the refresh answers with the fragment alone
    assert "<html" in full and 'hx-trigger="live-update"' in full and "every 2s" not in full
    assert 'data-live-run="' in full
    assert "frontend/live.js" in full
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="run"')


def test_district_csv_exports(world: World):
    client = client_for(world.staff)
    for kind in ("subdistricts", "categories"):
        response = client.get(f"/district/export/{kind}.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert client.get("/district/export/nothing.csv").status_code == 404
    assert client_for(world.resident).get("/district/export/subdistricts.csv").status_code == 404


def test_an_outage_answers_503_with_retry_after(world: World, monkeypatch):
    from core.graphql.execution import outage

    # given the API answering as it does while the database is down
    monkeypatch.setattr("frontend.operations._execute", lambda *args, **kwargs: outage())
    # when a signed-in resident opens a page
    response = client_for(world.resident).get("/bookings/")
    # then the page says to try again, with the status and Retry-After of the API
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_a_top_level_not_found_is_a_404_page(world: World):
    response = client_for(world.resident).get("/bookings/bm90LWEtaWQ/")
    assert response.status_code == 404


def test_forms_need_the_csrf_token_and_htmx_sends_it_in_a_header(world: World):
    import re

    # given a signed-in gate with CSRF checks on, as in production
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.gate)
    page = client.get("/unit/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)
    assert token is not None
    # when htmx posts without the token it is refused; with the header from <body hx-headers> it passes
    assert client.post("/unit/check-in/", {"code": "123456"}, headers={"HX-Request": "true"}).status_code == 403
    response = client.post("/unit/check-in/", {"code": "123456"},
                           headers={"HX-Request": "true", "X-CSRFToken": token.group(1)})
    assert response.status_code == 200 and 'id="code-error"' in response.content.decode()


def test_pages_carry_the_live_update_hooks(world: World):
    # given a resident
    things = populate(world)
    client = client_for(world.resident)
    # when the resource page, a booking and any page are opened
    resource = client.get(f"/resources/{things.canteen}/").content.decode()
    booking = client.get(f"/bookings/{things.booking}/").content.decode()
    # then live.js finds the week's slots (with the resource and week), the booking card and the badge
    assert "data-live-slots" in resource and 'data-week="' in resource and 'data-resource="' in resource
    assert "data-live-refresh" in booking
    assert "data-live-notifications" in resource
