"""The resident's pages through the test client: book, errors next to their field, cancel, me too."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from graphql_relay import to_global_id

from booking.models import Booking
from frontend.operations import slug
from frontend.timeutil import iso

from .conftest import World

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_week_grid_links_free_slots_to_the_booking_form(world: World):
    # given a canteen open for lunch every day
    client = client_for(world.resident)
    rid = slug(to_global_id("Resource", world.canteen.pk))
    # when the resident opens its page
    html = client.get(f"/resources/{rid}/").content.decode()
    # then free sittings link to the booking form with their start
    links = re.findall(r'class="slot free" href="([^"]+)"', html)
    assert links and all(f"/resources/{rid}/book/?start=" in link for link in links)


def test_booking_a_lunch_confirms_it_and_shows_the_code(world: World):
    # given the resident on the booking form of tomorrow's 11:00 sitting
    client = client_for(world.resident)
    rid = slug(to_global_id("Resource", world.canteen.pk))
    start = iso(world.tomorrow_at(11))
    assert client.get(f"/resources/{rid}/book/", {"start": start}).status_code == 200
    # when she books one seat with a dietary note
    response = client.post(f"/resources/{rid}/book/", {"start": start, "quantity": 1, "note": "清真"})
    # then she lands on her bookings, where it shows with its check-in code
    assert response.status_code == 302 and response["Location"] == "/bookings/"
    booking = Booking.objects.get(user=world.resident)
    assert booking.status == "CONFIRMED" and booking.note == "清真"
    page = client.get("/bookings/").content.decode()
    assert booking.check_in_code in page and "<svg" in page


def test_a_refused_plate_number_is_shown_next_to_its_field_with_focus(world: World):
    # given the parking lot's booking form
    client = client_for(world.resident)
    rid = slug(to_global_id("Resource", world.parking.pk))
    start = iso(world.tomorrow_at(19))
    # when the resident types a plate number that is not a Chinese plate
    response = client.post(f"/resources/{rid}/book/", {"start": start, "quantity": 1, "plateNumber": "XYZ"})
    # then the form comes back with the API's refusal under the plate field, which gets the focus
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="plateNumber-error"' in html
    field = re.search(r"<input[^>]*name=\"plateNumber\"[^>]*>", html)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0) and "autofocus" in field.group(0)
    assert not Booking.objects.filter(user=world.resident).exists()


def test_cancelling_asks_first_and_then_cancels(world: World):
    from booking.services.bookings import BookingRequest, book_slot

    # given a confirmed booking of the resident
    booking = book_slot(actor=world.resident, request=BookingRequest(
        resource=world.canteen, start=world.tomorrow_at(12))).booking
    bid = slug(to_global_id("Booking", booking.pk))
    client = client_for(world.resident)
    # when she opens the cancel page, nothing changes yet
    assert client.get(f"/bookings/{bid}/cancel/").status_code == 200
    booking.refresh_from_db()
    assert booking.status == "CONFIRMED"
    # and when she confirms, it is cancelled
    response = client.post(f"/bookings/{bid}/cancel/", {"reason": ""})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "CANCELLED"


def test_my_data_downloads_as_json(world: World):
    response = client_for(world.resident).get("/me/data/", {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert response.json()["profile"]["username"] == "resident"


def test_a_standing_booking_books_every_chosen_weekday_until_the_date(world: World):
    import datetime as dt

    client = client_for(world.resident)
    rid = slug(to_global_id("Resource", world.canteen.pk))
    first = world.tomorrow_at(11)
    until = (first + dt.timedelta(days=13)).date()
    # when she books lunch every week on that weekday until two weeks later
    response = client.post(f"/resources/{rid}/book/", {
        "start": iso(first), "quantity": 1, "standing": "on", "weekdays": [first.weekday()],
        "standingUntil": until.isoformat()})
    # then there is one booking a week, all confirmed, all part of one standing booking
    assert response.status_code == 302
    bookings = list(Booking.objects.filter(user=world.resident).order_by("start"))
    assert len(bookings) == 2 and all(b.standing_id == bookings[0].standing_id for b in bookings)
    assert bookings[0].standing_id is not None


def test_a_full_sitting_offers_the_waiting_list(world: World):
    import datetime as dt

    from booking.services.availability import set_opening_hours
    from booking.services.bookings import BookingRequest, book_slot
    from booking.services.hours import WindowSpec
    from tests.factories import ResourceFactory

    # given a one-seat table, taken by the neighbour
    table = ResourceFactory(unit=world.unit, name="单人桌", category="CANTEEN", capacity=1)
    set_opening_hours(actor=None, resource=table, windows=[
        WindowSpec(weekdays=(0, 1, 2, 3, 4, 5, 6), start_time=dt.time(11), end_time=dt.time(12))])
    book_slot(actor=world.neighbour, request=BookingRequest(resource=table, start=world.tomorrow_at(11)))
    client = client_for(world.resident)
    rid = slug(to_global_id("Resource", table.pk))
    start = iso(world.tomorrow_at(11))
    # when the resident opens the form, it offers the waiting list; and she joins it
    form = client.get(f"/resources/{rid}/book/", {"start": start}).content.decode()
    assert 'name="joinWaitlist"' in form
    response = client.post(f"/resources/{rid}/book/", {"start": start, "quantity": 1, "joinWaitlist": "on"})
    # then she is on the waiting list
    assert response.status_code == 302
    assert Booking.objects.get(user=world.resident).status == "WAITLISTED"


def test_me_too_answers_htmx_with_the_button_alone(world: World):
    from tests.frontend.conftest import populate

    # given a need of the resident's community
    things = populate(world)
    client = client_for(world.resident)
    assert "老年人午餐" in client.get("/needs/").content.decode()
    # when she presses "me too" (htmx)
    response = client.post(f"/needs/{things.need}/support/", {"support": "1"}, headers={"HX-Request": "true"})
    # then the answer is the pressed button alone, counting her
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'aria-pressed="true"' in html and "(1)" in html


def test_notifications_are_listed_and_marked_read(world: World):
    from booking.services.bookings import BookingRequest, book_slot

    book_slot(actor=world.resident, request=BookingRequest(resource=world.canteen, start=world.tomorrow_at(11)))
    client = client_for(world.resident)
    page = client.get("/notifications/")
    assert page.status_code == 200 and page.context["unread"] >= 1
    assert client.post("/notifications/").status_code == 302
    assert client.get("/notifications/").context["unread"] == 0
