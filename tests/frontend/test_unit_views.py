"""Unit admin and unit staff pages through the test client."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.models import Slot
from booking.services.bookings import BookingRequest, book_slot
from marketplace.models import Resource
from tests.factories import elderly_resident

from .conftest import World
from .helpers import client_for, gid

pytestmark = pytest.mark.django_db

WINDOW = {"hours-0-weekdays": ["0", "1", "2", "3", "4"], "hours-0-startTime": "11:00", "hours-0-endTime": "13:00",
          "hours-0-sex": "ANY", "hours-1-sex": "ANY"}  # the empty extra row posts its select as a browser does
MANAGEMENT = {"hours-TOTAL_FORMS": "2", "hours-INITIAL_FORMS": "0", "hours-MIN_NUM_FORMS": "0",
              "hours-MAX_NUM_FORMS": "20"}
RESOURCE = {"name": "第二食堂", "category": "CANTEEN", "address": "西城区某路2号", "lat": "39.913", "lon": "116.371",
            "capacity": "30", "bookingMode": "SHARED", "targetGroup": "ANYONE", "followsHolidayCalendar": "on",
            "bookingOpensDaysBefore": "14", "bookingClosesMinutesBefore": "30", "cancelUntilMinutesBefore": "0",
            "maxActivePerResident": "10"}


def test_publishing_a_resource_with_opening_hours(world: World):
    # given the unit admin on the publish form
    client = client_for(world.admin)
    # when they publish a canteen open weekdays 11:00-13:00
    response = client.post("/unit/resources/new/", {**RESOURCE, **MANAGEMENT, **WINDOW})
    # then it is published with those hours, and they are back at their resources
    assert response.status_code == 302 and response["Location"] == "/unit/resources/"
    resource = Resource.objects.get(name="第二食堂")
    assert resource.unit == world.unit and resource.capacity == 30
    assert Slot.objects.filter(resource=resource).exists()


def test_an_opening_hours_error_lands_on_its_block(world: World):
    # given a block that ends before it starts (and is not overnight)
    client = client_for(world.admin)
    bad = {**WINDOW, "hours-0-startTime": "13:00", "hours-0-endTime": "11:00"}
    # when the admin publishes
    response = client.post("/unit/resources/new/", {**RESOURCE, **MANAGEMENT, **bad})
    # then the form comes back with the API's error on that block, and nothing is published
    assert response.status_code == 200
    hours = response.context["hours"]
    assert hours.forms[0].errors, response.context["form"].errors
    assert not Resource.objects.filter(name="第二食堂").exists()


def test_editing_keeps_the_category_and_changes_the_capacity(world: World):
    client = client_for(world.admin)
    rid = gid("Resource", world.canteen.pk)
    page = client.get(f"/unit/resources/{rid}/edit/")
    assert page.status_code == 200 and 'name="category"' not in page.content.decode()
    data = {k: v for k, v in RESOURCE.items() if k not in ("category", "bookingMode")}
    data.update(name="机关食堂", capacity="50", **MANAGEMENT, **WINDOW)
    response = client.post(f"/unit/resources/{rid}/edit/", data)
    assert response.status_code == 302
    world.canteen.refresh_from_db()
    assert world.canteen.capacity == 50


def test_closing_tomorrow_cancels_the_bookings_inside(world: World):
    # given a booking tomorrow at 11:00
    booking = book_slot(actor=world.resident, request=BookingRequest(
        resource=world.canteen, start=world.tomorrow_at(11))).booking
    client = client_for(world.admin)
    day = world.tomorrow_at(0)
    # when the admin closes the canteen for that day
    response = client.post(f"/unit/resources/{gid('Resource', world.canteen.pk)}/close/", {
        "start": day.strftime("%Y-%m-%dT%H:%M"), "end": (day + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "设备检修"})
    # then the booking is cancelled
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "CANCELLED"


def test_the_kitchen_sheet_and_contribution_csv(world: World):
    book_slot(actor=world.resident, request=BookingRequest(resource=world.canteen, start=world.tomorrow_at(11),
                                                           note="清真"))
    client = client_for(world.gate)
    day = world.tomorrow_at(0).date().isoformat()
    sheet = client.get(f"/unit/kitchen/{gid('Resource', world.canteen.pk)}/", {"date": day})
    assert sheet.status_code == 200
    csv = client_for(world.admin).get("/unit/contribution/", {"format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[0] == "unit,from,to,category,bookings,quantity,hours"


def test_gate_staff_cannot_publish_or_approve(world: World):
    client = client_for(world.gate)
    before = Resource.objects.count()
    assert client.post("/unit/resources/new/", {**RESOURCE, **MANAGEMENT, **WINDOW}).status_code == 404
    assert Resource.objects.count() == before


def test_the_kitchen_sheet_counts_each_dietary_note(world: World):
    # given three places booked with 清真 (one booking of two) and one with 少盐 at tomorrow's first sitting
    start = world.tomorrow_at(11)
    book_slot(actor=world.resident, request=BookingRequest(resource=world.canteen, start=start, note="清真",
                                                           quantity=2))
    book_slot(actor=world.neighbour, request=BookingRequest(resource=world.canteen, start=start, note="清真"))
    book_slot(actor=elderly_resident(world.community), request=BookingRequest(
        resource=world.canteen, start=start, note="少盐"))
    # when the kitchen opens the sheet of that day
    day = start.date().isoformat()
    page = client_for(world.gate).get(f"/unit/kitchen/{gid('Resource', world.canteen.pk)}/", {"date": day})
    # then each note is listed once with its count, in the sitting and for the day
    text = page.content.decode()
    assert text.count("清真 <strong>×3</strong>") == 2
    assert text.count("少盐 <strong>×1</strong>") == 2
