"""Each role's journey end to end in a real Chromium at a phone's size (390×844), in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from booking.models import Booking
from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from booking.services.hours import WindowSpec
from matching.models import Allocation, MatchRun, Need
from tests.factories import ResourceFactory

from .browser import Session, at_home
from .conftest import EVERY_DAY, PASSWORD, TZ, World, populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_focus_moves_to(phone: Session, element_id: str) -> None:
    """The error appears when htmx swaps the form in; the focus moves on htmx:afterSettle, a moment
    later (app.js): wait for that event's effect, failing after 5 s if the focus never arrives."""
    try:
        phone.page.wait_for_function("id => document.activeElement && document.activeElement.id === id",
                                     arg=element_id, timeout=5000)
    except Exception:  # noqa: BLE001 - report where the focus is instead of a bare timeout
        pass
    assert phone.page.evaluate("document.activeElement.id") == element_id


def _open_now(world: World) -> tuple[Any, dt.datetime]:
    """A bathhouse-free 'hall' open from ten minutes ago for an hour, today: a sitting under way."""
    now = dt.datetime.now(TZ).replace(second=0, microsecond=0)
    start = now - dt.timedelta(minutes=10)
    end = start + dt.timedelta(hours=1)
    resource = ResourceFactory(unit=world.unit, name="职工餐厅", category="CANTEEN", capacity=30)
    set_opening_hours(actor=None, resource=resource, now=start - dt.timedelta(days=1), windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=start.time(), end_time=end.time(),
                   ends_next_day=end.date() != start.date())])
    return resource, start


def test_gate_staff_check_a_resident_in_by_code(phone: Session, live_world: World):
    # given a resident booked on a sitting that is under way
    resource, start = _open_now(live_world)
    booking = book_slot(actor=live_world.resident, request=BookingRequest(resource=resource, start=start),
                        now=start - dt.timedelta(hours=3)).booking
    # when the gate signs in on a phone, opens today's list and types her code
    phone.sign_in("gate", PASSWORD)
    assert phone.page.locator("html").get_attribute("lang") == "zh-hans"
    phone.go("/unit/")
    phone.page.fill("#id_code", booking.check_in_code)
    phone.page.locator("#check-in button[type=submit]").click()
    # then the page says who was checked in, without leaving the list, and the booking is checked in
    phone.page.locator("#check-in .msg").wait_for()
    assert "王*英" in phone.page.locator("#check-in .msg").inner_text()
    booking.refresh_from_db()
    assert booking.status == "CHECKED_IN"
    # and an unknown code is refused next to the field, which keeps the focus
    phone.page.fill("#id_code", "000000" if booking.check_in_code != "000000" else "111111")
    phone.page.locator("#check-in button[type=submit]").click()
    phone.page.locator("#code-error").wait_for()
    assert_focus_moves_to(phone, "id_code")
    phone.screenshot("gate-phone-check-in-zh")


def test_unit_admin_approves_a_booking_and_accepts_a_proposal(phone: Session, live_world: World):
    # given a hall that needs approval, a pending booking on it, and a match run that proposed lunch
    hall = ResourceFactory(unit=live_world.unit, name="多功能厅", category="HALL", capacity=80,
                           booking_mode="EXCLUSIVE", requires_approval=True)
    set_opening_hours(actor=None, resource=hall, windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=dt.time(14), end_time=dt.time(16))])
    pending = book_slot(actor=live_world.resident, request=BookingRequest(
        resource=hall, start=live_world.tomorrow_at(14), attendees=30, note="居民议事会")).booking
    assert pending.status == "PENDING"
    populate(live_world)
    assert MatchRun.objects.get().status == "SUCCEEDED"
    proposal = Allocation.objects.filter(status="PROPOSED", resource__unit=live_world.unit).first()
    assert proposal is not None
    # when the unit admin approves the booking on a phone
    phone.sign_in("unit-admin", PASSWORD)
    phone.go("/unit/approvals/")
    phone.page.locator(".cards .card button.primary").first.click()
    phone.page.wait_for_url(re.compile(r"/unit/approvals/$"))
    # then it is confirmed
    pending.refresh_from_db()
    assert pending.status == "CONFIRMED"
    # and when they accept the proposal
    phone.go("/unit/proposals/")
    phone.page.locator(".cards .card button.primary").first.click()
    phone.page.wait_for_url(re.compile(r"/unit/proposals/$"))
    proposal.refresh_from_db()
    assert proposal.status == "ACCEPTED"
    phone.screenshot("unit-admin-phone-proposals-zh")


def test_worker_books_for_two_residents_and_prints_their_slips(phone: Session, live_world: World):
    # given the community worker on a phone
    phone.sign_in("worker", PASSWORD)
    # when they pick the canteen, a sitting, and two residents
    phone.go("/community/book/?search=机关食堂")
    phone.page.locator(".cards .card h2 a").first.click()
    phone.page.wait_for_url(re.compile(r"/resources/[^/]+/$"))
    phone.page.locator("a.slot.free").first.click()
    phone.page.wait_for_url(re.compile(r"/community/book/\?"))
    phone.page.locator("input[name=residents]").nth(0).check()
    phone.page.locator("input[name=residents]").nth(1).check()
    phone.page.locator("main form button.primary").click()
    phone.page.wait_for_url(re.compile(r"/community/slips/"))
    # then both are booked, by the worker, and each slip shows the resident's code
    bookings = list(Booking.objects.filter(booked_by=live_world.worker))
    assert {b.user_id for b in bookings} == {live_world.resident.pk, live_world.neighbour.pk}
    slips = phone.page.locator(".slip .digits").all_inner_texts()
    assert sorted(slips) == sorted(b.check_in_code for b in bookings)
    phone.screenshot("worker-phone-slips-zh")


def test_worker_posts_a_need_and_sees_it_listed(phone: Session, live_world: World):
    today = dt.datetime.now(TZ).date()
    phone.sign_in("worker", PASSWORD)
    phone.go("/community/needs/new/")
    # when the worker fills the form leaving the title empty, the error is next to it with focus
    phone.page.select_option("#id_category", "CANTEEN")
    phone.page.fill("#id_quantity", "12")
    phone.page.fill("#id_startTime", "11:00")
    phone.page.fill("#id_endTime", "12:30")
    phone.page.fill("#id_startsOn", (today + dt.timedelta(days=2)).isoformat())
    phone.page.fill("#id_endsOn", (today + dt.timedelta(days=30)).isoformat())
    phone.page.locator("main form button[type=submit]").click()
    phone.page.locator("#title-error").wait_for()
    assert_focus_moves_to(phone, "id_title")
    phone.page.fill("#id_title", "独居老人午餐")
    phone.page.locator("main form button[type=submit]").click()
    phone.page.wait_for_url(re.compile(r"/community/needs/$"))
    # then the need exists and is listed
    assert Need.objects.get(title="独居老人午餐").quantity == 12
    assert "独居老人午餐" in phone.page.locator(".cards").inner_text()


def test_worker_creates_an_account_for_a_resident_without_a_phone(phone: Session, live_world: World):
    from marketplace.models import User

    phone.sign_in("worker", PASSWORD)
    phone.go("/community/residents/")
    # when the worker fills the create-account form under the list
    phone.page.fill("#id_fullName", "周奶奶")
    phone.page.fill("#id_birthDate", "1939-09-09")
    phone.page.check("#id_verified")
    phone.page.locator("form[aria-labelledby=create-account] button[type=submit]").click()
    phone.page.wait_for_url(re.compile(r"/community/residents/[^/]+/$"))
    # then the account exists and its generated user name is shown
    person = User.objects.get(full_name="周奶奶")
    assert person.residency_verified and not person.has_usable_password()
    assert person.username in phone.page.content()


def test_resident_deletes_her_data_after_confirming(phone: Session, live_world: World):
    from marketplace.models import User

    phone.sign_in("resident", PASSWORD)
    phone.go("/me/data/")
    phone.page.locator("a[href$='/me/data/delete/']").click()
    phone.page.wait_for_url(re.compile(r"/me/data/delete/$"))
    # when she submits without ticking the box, the error is next to it with focus
    phone.page.locator("main form button[type=submit]").click()
    phone.page.locator("#confirm-error").wait_for()
    assert_focus_moves_to(phone, "id_confirm")
    assert User.objects.get(pk=live_world.resident.pk).is_active
    # when she ticks it and confirms
    phone.page.check("#id_confirm")
    phone.page.locator("main form button[type=submit]").click()
    phone.page.wait_for_url(re.compile(r"/$"))
    # then her account is closed and she is signed out
    assert not User.objects.get(pk=live_world.resident.pk).is_active
    assert phone.page.locator("a[href^='/login/']").count() > 0


def test_district_staff_start_a_match_run_and_see_its_figures(phone: Session, live_world: World):
    populate_need = populate  # the populate helper also starts a run; start another for a subdistrict
    populate_need(live_world)
    phone.sign_in("staff", PASSWORD)
    phone.go("/district/runs/")
    phone.page.select_option("#subdistrict", index=1)
    phone.page.locator("main form button[type=submit]").click()
    phone.page.wait_for_url(re.compile(r"/district/runs/[^/]+/$"))
    # then the run's page shows it finished (tasks run eagerly here) with its figures
    phone.page.locator("#run dl.facts").wait_for()
    assert MatchRun.objects.count() == 2
    phone.screenshot("staff-phone-run-zh")


def test_signing_in_and_reaching_the_content_by_keyboard_alone(phone: Session, live_world: World):
    # given the login page on a phone
    phone.go("/login/")
    # then the user name field has the focus; the user types, tabs to the password and presses Enter
    assert phone.page.evaluate("document.activeElement.id") == "id_username"
    phone.page.keyboard.type("resident")
    phone.page.keyboard.press("Tab")
    phone.page.keyboard.type(PASSWORD)
    phone.page.keyboard.press("Enter")
    phone.page.wait_for_url(at_home)
    # and the first Tab reaches the skip link, which moves the focus to the content
    phone.page.keyboard.press("Tab")
    assert phone.page.evaluate("document.activeElement.className") == "skip"
    phone.page.keyboard.press("Enter")
    assert phone.page.evaluate("document.activeElement.id") == "main"
