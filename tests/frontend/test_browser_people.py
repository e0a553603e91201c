"""Issue 12 in a real Chromium at a phone's size (390×844), in Chinese: a journey per role through what
failed (the dashboard after a run, the gate's list as cards, the waiting list in one tap by a resident and
by a worker, a readable 我的数据, two time blocks published in one submission with a location picked on
the map)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from booking.models import Booking
from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from booking.services.hours import WindowSpec
from marketplace.models import Resource
from tests.factories import ResourceFactory

from .browser import Session
from .conftest import EVERY_DAY, PASSWORD, World, populate
from .helpers import gid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def overflow(session: Session) -> int:
    """How far the page is wider than the viewport (0 when there is no horizontal scroll)."""
    return int(session.page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_district_staff_see_the_proposals_of_a_run_on_the_dashboard(phone: Session, live_world: World):
    # given a run that proposed lunch places, not yet accepted
    populate(live_world)
    phone.sign_in("staff", PASSWORD)
    # when they open the dashboard without choosing a period
    phone.go("/district/")
    # then the pipeline shows what was asked for and what waits for the units, and the map has a legend
    proposed = phone.page.locator(".pipeline .step-proposed .step-value").inner_text()
    assert int(proposed.replace(",", "")) > 0
    assert phone.page.locator(".legend li").count() >= 5
    assert phone.page.locator(".map circle.community.proposed").count() >= 1
    assert overflow(phone) == 0
    phone.screenshot("people-staff-phone-dashboard-zh")


def test_the_gate_list_is_cards_on_a_phone_with_long_notes_folded(phone: Session, live_world: World):
    # given 12 bookings for tomorrow, one with a 200-character note
    from tests.factories import elderly_resident

    for i in range(12):
        person = elderly_resident(live_world.community, username=f"diner{i}")
        book_slot(actor=person, request=BookingRequest(
            resource=live_world.canteen if i < 6 else live_world.parking, start=live_world.tomorrow_at(11)
            if i < 6 else live_world.tomorrow_at(19), note=("少盐，软食。" * 30) if i == 0 else "",
            plate_number=f"京A{12340 + i}" if i >= 6 else ""))
    phone.sign_in("gate", PASSWORD)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    phone.go(f"/unit/?date={tomorrow}")
    # then no horizontal scroll, each row a card as wide as the screen, names on one line
    assert overflow(phone) == 0
    row = phone.page.locator("table.bookings tbody tr").first.bounding_box()
    assert row is not None and row["width"] > 300
    name = phone.page.locator("table.bookings tbody tr td.lead-cell").nth(1).bounding_box()
    assert name is not None and name["height"] < 60
    # and the long note is folded
    assert phone.page.locator("details.note").count() >= 1
    height = phone.page.evaluate("document.documentElement.scrollHeight")
    assert height < 12 * 400
    phone.screenshot("people-gate-phone-today-zh")


def _full_room(world: World) -> tuple[Resource, Booking]:
    room = ResourceFactory(unit=world.unit, name="阅览室", category="OTHER", capacity=1)
    set_opening_hours(actor=None, resource=room, windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=dt.time(9), end_time=dt.time(10))])
    booking = book_slot(actor=world.neighbour, request=BookingRequest(resource=room, start=world.tomorrow_at(9)))
    return room, booking.booking


def test_a_resident_joins_the_waiting_list_in_one_tap(phone: Session, live_world: World):
    room, _ = _full_room(live_world)
    phone.sign_in("resident", PASSWORD)
    phone.go(f"/resources/{gid('Resource', room.pk)}/")
    # when she taps the full slot and the one button
    phone.page.locator("a.slot.full").first.click()
    phone.page.wait_for_url(re.compile(r"/book/\?"))
    assert phone.page.locator("main form input[type=checkbox]").count() == 0
    phone.page.locator("main form button.primary").click()
    phone.page.wait_for_url(re.compile(r"/bookings/$"))
    # then she is on the list and is told her place
    assert Booking.objects.get(user=live_world.resident, resource=room).status == "WAITLISTED"
    assert "第1位" in phone.page.locator(".messages").inner_text()
    # and the week shows her place instead of offering the list again
    phone.go(f"/resources/{gid('Resource', room.pk)}/")
    assert phone.page.locator("a.slot.mine").count() == 1 and phone.page.locator("a.slot.full").count() == 0
    phone.screenshot("people-resident-phone-waitlist-zh")


def test_a_worker_puts_a_resident_on_the_waiting_list(phone: Session, live_world: World):
    room, _ = _full_room(live_world)
    phone.sign_in("worker", PASSWORD)
    phone.go(f"/resources/{gid('Resource', room.pk)}/")
    phone.page.locator("a.slot.full").first.click()
    phone.page.wait_for_url(re.compile(r"/community/book/\?"))
    phone.page.locator(f"input[name=residents][value='{gid('User', live_world.resident.pk)}']").check()
    phone.page.locator("main form button.primary").click()
    phone.page.wait_for_url(re.compile(r"/community/slips/"))
    waiting = Booking.objects.get(resource=room, booked_by=live_world.worker)
    assert waiting.status == "WAITLISTED"


def test_my_data_is_readable_and_the_feed_address_can_be_copied(phone: Session, live_world: World):
    phone.sign_in("resident", PASSWORD)
    phone.go("/me/data/")
    text = phone.page.locator("main").inner_text()
    assert "{" not in text and "displayName" not in text and "王秀英" in text
    assert phone.page.locator("#feed-url").input_value().startswith("http")
    copy = phone.page.locator("button[data-copy=feed-url]")
    assert copy.is_visible()
    assert phone.page.locator("form[action='/me/calendar/rotate/'] button").is_visible()
    assert overflow(phone) == 0
    phone.screenshot("people-resident-phone-my-data-zh")


def test_a_unit_admin_publishes_two_sittings_in_one_submission(phone: Session, live_world: World):
    phone.sign_in("unit-admin", PASSWORD)
    phone.go("/unit/resources/new/")
    assert phone.page.locator("label[for=id_name]").inner_text().startswith("名称")
    # the location starts at the unit's place
    assert phone.page.locator("#id_lat").input_value() != ""
    phone.page.fill("#id_name", "职工食堂")
    phone.page.select_option("#id_category", "CANTEEN")
    phone.page.fill("#id_address", "某路1号")
    phone.page.fill("#id_capacity", "30")
    # a tap on the map moves the location
    before = phone.page.locator("#id_lat").input_value()
    phone.page.locator("#location-map").click(position={"x": 60, "y": 60})
    assert phone.page.locator("#id_lat").input_value() != before
    # first block: lunch on weekdays; then "copy to other days" for the weekend with another time
    phone.page.check("#id_hours-0-weekdays_0")
    phone.page.check("#id_hours-0-weekdays_1")
    phone.page.fill("#id_hours-0-startTime", "11:00")
    phone.page.fill("#id_hours-0-endTime", "13:00")
    phone.page.locator("[data-copy-row]").first.click()
    phone.page.check("#id_hours-1-weekdays_5")
    phone.page.fill("#id_hours-1-startTime", "17:00")
    phone.page.fill("#id_hours-1-endTime", "19:00")
    assert overflow(phone) == 0
    phone.screenshot("people-unit-admin-phone-publish-zh")
    phone.page.locator("main form button.primary[type=submit]").last.click()
    phone.page.wait_for_url(re.compile(r"/unit/resources/$"))
    resource = Resource.objects.get(name="职工食堂")
    from booking.models import OpeningWindow

    windows = sorted((w.start_time.hour, tuple(w.weekdays)) for w in OpeningWindow.objects.filter(resource=resource))
    assert windows == [(11, (0, 1)), (17, (5,))]
