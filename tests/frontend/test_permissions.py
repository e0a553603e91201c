"""Who reaches which page: a page the viewer's roles don't reach is a 404; an anonymous visitor is sent
to the login page (HX-Redirect for htmx requests); another unit's resource cannot be edited."""

from __future__ import annotations

import pytest
from django.test import Client
from graphql_relay import to_global_id

from frontend.operations import slug

from .conftest import World

pytestmark = pytest.mark.django_db

RESIDENT_PAGES = ["/bookings/", "/needs/"]
UNIT_PAGES = ["/unit/", "/unit/check-in/"]
ADMIN_PAGES = ["/unit/resources/", "/unit/resources/new/", "/unit/approvals/", "/unit/proposals/",
               "/unit/contribution/"]
WORKER_PAGES = ["/community/residents/", "/community/book/", "/community/slips/", "/community/needs/",
                "/community/needs/new/", "/community/allocations/"]
STAFF_PAGES = ["/district/", "/district/runs/", "/district/audit/"]
ALL = RESIDENT_PAGES + UNIT_PAGES + ADMIN_PAGES + WORKER_PAGES + STAFF_PAGES
REACH = {
    "resident": set(RESIDENT_PAGES),
    "admin": set(UNIT_PAGES + ADMIN_PAGES),
    "gate": set(UNIT_PAGES),
    "worker": set(WORKER_PAGES),
    "staff": set(STAFF_PAGES),
}


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", sorted(REACH))
def test_each_role_reaches_its_pages_and_gets_404_elsewhere(world: World, who: str):
    # given a signed-in user of one role
    client = client_for(getattr(world, who))
    for path in ALL:
        # when they open each role page
        status = client.get(path).status_code
        # then their own pages answer and every other role's page does not exist for them
        expected = 200 if path in REACH[who] else 404
        assert status == expected, (who, path, status)


@pytest.mark.parametrize("path", [*ALL, "/notifications/", "/me/data/"])
def test_anonymous_visitors_are_sent_to_the_login_page(world: World, path: str):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_an_expired_session_during_an_htmx_request_redirects_the_whole_page(world: World):
    # given a visitor whose session has expired, on the day's list
    # when htmx posts the check-in form
    response = Client().post("/unit/check-in/", {"code": "123456"}, headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/unit/"})
    # then htmx is told to load the login page, coming back to where they were
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=%2Funit%2F"


def test_another_units_admin_cannot_edit_or_close_our_resource(world: World):
    # given the admin of another unit
    client = client_for(world.other_admin)
    rid = slug(to_global_id("Resource", world.canteen.pk))
    # when they open our canteen's edit, closure and utilisation pages
    for path in [f"/unit/resources/{rid}/edit/", f"/unit/resources/{rid}/close/"]:
        # then those pages do not exist for them
        assert client.get(path).status_code == 404, path
    # and a closure posted anyway changes nothing
    from booking.models import Slot

    before = Slot.objects.filter(resource=world.canteen, closed=True).count()
    client.post(f"/unit/resources/{rid}/close/", {"start": "2030-01-01T00:00", "end": "2030-01-02T00:00",
                                                  "reason": "x"})
    assert Slot.objects.filter(resource=world.canteen, closed=True).count() == before


def test_a_resident_cannot_open_another_residents_booking(world: World):
    from booking.services.bookings import BookingRequest, book_slot

    # given a booking of the neighbour
    result = book_slot(actor=world.neighbour, request=BookingRequest(resource=world.canteen,
                                                                     start=world.tomorrow_at(11)))
    bid = slug(to_global_id("Booking", result.booking.pk))
    # when the resident opens it or tries to cancel it
    client = client_for(world.resident)
    # then it does not exist for her, and it stays confirmed
    assert client.get(f"/bookings/{bid}/").status_code == 404
    assert client.post(f"/bookings/{bid}/cancel/", {"reason": ""}).status_code == 404
    result.booking.refresh_from_db()
    assert result.booking.status == "CONFIRMED"
