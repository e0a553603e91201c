"""The resident's journey in a real Chromium at a phone's size, in Chinese:
sign in, find lunch, book it, see the code in my bookings, cancel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from booking.models import Booking

from .browser import PHONE, Session, open_browser
from .conftest import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as b:
        yield b


@pytest.fixture
def live_world(live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def test_resident_books_lunch_and_cancels_it_on_a_phone(browser, live_server, live_world: World):
    # given a resident on a phone whose browser speaks Chinese
    s = Session(browser, live_server.url, viewport=PHONE, locale="zh-CN")
    try:
        s.sign_in("resident", PASSWORD)
        assert s.page.locator("html").get_attribute("lang") == "zh-hans"
        # when she looks for canteens near home this week and opens the first one
        s.go("/resources/?category=CANTEEN&when=week&near_home=on")
        s.page.locator(".cards .card h4 a").first.click()
        s.page.wait_for_url(re.compile(r"/resources/[^/]+/$"))
        # and picks a free lunch sitting and books it with a dietary note
        s.page.locator("a.slot.free").first.click()
        s.page.wait_for_url(re.compile(r"/book/"))
        s.page.fill("#id_note", "清真")
        s.page.locator("main form button[type=submit]").click()
        s.page.wait_for_url(re.compile(r"/bookings/$"))
        # then her bookings show it confirmed, with a QR code and the 6-digit code
        booking = Booking.objects.get(user=live_world.resident)
        assert booking.status == "CONFIRMED" and booking.note == "清真"
        card = s.page.locator(".cards .booking").first
        assert card.locator(".qr svg").count() == 1
        assert card.locator(".digits").inner_text() == booking.check_in_code
        s.screenshot("resident-phone-bookings-zh")
        # when she cancels it
        card.locator("a.danger").click()
        s.page.wait_for_url(re.compile(r"/cancel/$"))
        s.page.locator("main form button.danger").click()
        s.page.wait_for_url(re.compile(r"/bookings/$"))
        # then it is cancelled and nothing went wrong in the browser
        booking.refresh_from_db()
        assert booking.status == "CANCELLED"
        assert s.errors == []
        assert s.axe_violations() == []
    finally:
        s.close()
