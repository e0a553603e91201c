"""Personal data over time: retention scrubs old bookings; a resident downloads and deletes their data."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from booking.models import Booking, BookingStatus, Slot
from booking.notifications.models import Notification
from booking.services.lifecycle import cancel_booking
from booking.services.personal_data import anonymise_expired_bookings, anonymised_code
from booking.tasks import anonymise_personal_data_task
from marketplace.models import AuditEntry, Membership, User
from marketplace.services.personal_data import delete_my_data, export_my_data
from marketplace.services.tokens import issue_token
from tests.booking.conftest import NOW, book, lunch_windows, person, with_hours
from tests.factories import CommunityFactory, ResourceFactory, WorkUnitFactory

pytestmark = pytest.mark.django_db
TUESDAY_11 = dt.datetime(2026, 12, 1, 11, 0, tzinfo=NOW.tzinfo)
WEDNESDAY_11 = TUESDAY_11 + dt.timedelta(days=1)


@pytest.fixture
def parking():
    return with_hours(ResourceFactory(unit=WorkUnitFactory(), category="PARKING", capacity=5), lunch_windows())


@pytest.fixture
def home():
    return CommunityFactory()


def _booked(user, resource, start, **kwargs):  # type: ignore[no-untyped-def]
    return book(user, resource, start, plate_number="京A12345", note="wheelchair, please", **kwargs).booking


@pytest.mark.postgres
def test_retention_scrubs_past_bookings_only_after_the_retention(parking, home, settings):
    # given one booking that ended, one in the future, and a 180-day retention
    settings.PERSONAL_DATA_RETENTION_DAYS = 180
    alice, bob = person(home), person(home)
    past = _booked(alice, parking, TUESDAY_11)
    future = _booked(bob, parking, WEDNESDAY_11)
    code = past.check_in_code
    # when the job runs 179 days after the past booking ended
    assert anonymise_expired_bookings(now=past.end + dt.timedelta(days=179)) == 0
    past.refresh_from_db()
    assert (past.plate_number, past.check_in_code) == ("京A12345", code)
    # and again on day 181 (the future booking has only just ended: day 180 after Tuesday is not over)
    secret = past.calendar_secret
    scrubbed = anonymise_expired_bookings(now=past.end + dt.timedelta(days=181))
    # then the past booking keeps its facts but none of its personal fields; the other one is untouched
    past.refresh_from_db()
    future.refresh_from_db()
    assert scrubbed == 1
    assert (past.plate_number, past.note, past.check_in_code) == ("", "", anonymised_code(past.pk))
    assert past.calendar_secret != secret
    assert (past.status, past.quantity, past.user_id, past.community_id) == (
        BookingStatus.CONFIRMED, 1, alice.pk, home.pk)
    assert (future.plate_number, future.note) == ("京A12345", "wheelchair, please")
    assert Slot.objects.get(pk=past.slot_id).booked == 1
    # and the notification of the scrubbed booking no longer shows its check-in code
    note = Notification.objects.get(booking=past)
    assert "code" not in note.params and note.params["resource"] == parking.name
    assert Notification.objects.get(booking=future).params["code"] == future.check_in_code


def test_retention_scrubs_cancelled_bookings_and_is_idempotent(parking, home):
    # given a booking cancelled long ago for a slot still ahead
    alice = person(home)
    booking = _booked(alice, parking, TUESDAY_11)
    cancel_booking(actor=alice, booking=booking, now=NOW + dt.timedelta(minutes=5))
    later = NOW + dt.timedelta(days=30)
    # when the job runs with a 7-day retention, twice
    first = anonymise_expired_bookings(now=later, retention_days=7)
    second = anonymise_expired_bookings(now=later, retention_days=7)
    # then it is scrubbed once; a second run finds nothing to do
    booking.refresh_from_db()
    assert (first, second) == (1, 0)
    assert booking.status == BookingStatus.CANCELLED and booking.plate_number == ""


def test_the_periodic_task_uses_the_setting_and_is_scheduled(parking, home, settings):
    # given a booking ended long before the configured retention
    settings.PERSONAL_DATA_RETENTION_DAYS = 1
    booking = _booked(person(home), parking, dt.datetime(2026, 12, 1, 11, 0, tzinfo=NOW.tzinfo))
    Booking.objects.filter(pk=booking.pk).update(end=timezone.now() - dt.timedelta(days=3))
    # when the beat's task runs
    assert anonymise_personal_data_task.delay().get() == 1
    # then the row is scrubbed, and beat schedules the task
    booking.refresh_from_db()
    assert booking.plate_number == ""
    assert settings.CELERY_BEAT_SCHEDULE["anonymise-personal-data"]["task"] == (
        "booking.tasks.anonymise_personal_data_task")


def test_export_my_data_lists_everything_of_theirs_and_nothing_of_others(parking, home):
    # given Alice with a booking and a notification, and Bob with his own
    alice = person(home, full_name="王丽", phone="13812341234", email="li@example.com")
    bob = person(home)
    mine = _booked(alice, parking, TUESDAY_11)
    _booked(bob, parking, WEDNESDAY_11)
    # when she downloads her data
    data = export_my_data(alice)
    # then it is JSON and holds her profile, roles, booking (with its personal fields) and notice
    assert json.loads(json.dumps(data)) == data
    assert data["profile"] | {"full_name": "王丽", "phone": "13812341234", "email": "li@example.com"} == data[
        "profile"]
    assert [r["role"] for r in data["roles"]] == ["RESIDENT"]
    assert [(b["id"], b["plate_number"], b["check_in_code"]) for b in data["bookings"]] == [
        (mine.pk, "京A12345", mine.check_in_code)]
    assert [n["kind"] for n in data["notifications"]] == ["BOOKING_CONFIRMED"]


@pytest.mark.postgres
def test_delete_my_data_cancels_future_bookings_and_deactivates_the_account(parking, home):
    # given Alice with a past booking, a future booking, a token, and Bob waiting for her place
    capacity_one = with_hours(ResourceFactory(unit=parking.unit, capacity=1), lunch_windows())
    alice = person(home, full_name="王丽", phone="13812341234", email="li@example.com")
    bob = person(home)
    past = _booked(alice, parking, TUESDAY_11)
    future = book(alice, capacity_one, WEDNESDAY_11, note="halal").booking
    waiting = book(bob, capacity_one, WEDNESDAY_11, join_waitlist=True).booking
    issue_token(user=alice)
    Booking.objects.filter(pk=past.pk).update(start=NOW - dt.timedelta(days=2), end=NOW - dt.timedelta(days=2))
    # when she deletes her data
    report = delete_my_data(user=alice, now=NOW)
    # then her future booking is cancelled (Bob promoted), the past one stays for the statistics,
    # every booking row is scrubbed, and the account can no longer be used or recognised
    past.refresh_from_db()
    future.refresh_from_db()
    waiting.refresh_from_db()
    alice = User.objects.get(pk=alice.pk)
    assert (report.cancelled, report.kept) == ([future.pk], [])
    assert (future.status, waiting.status, past.status) == (
        BookingStatus.CANCELLED, BookingStatus.CONFIRMED, BookingStatus.CONFIRMED)
    assert Booking.objects.filter(user=alice).count() == 2
    assert all(b.plate_number == b.note == "" and b.check_in_code.startswith("~")
               for b in Booking.objects.filter(user=alice))
    assert not alice.is_active and not alice.has_usable_password()
    assert (alice.username, alice.full_name, alice.phone, alice.email, alice.birth_date) == (
        f"deleted-{alice.pk}", "", "", "", None)
    assert not Membership.objects.filter(user=alice).exists()
    assert not Notification.objects.filter(user=alice).exists()
    assert not alice.oauth2_provider_accesstoken.exists()
    assert AuditEntry.objects.filter(action="user.delete_data", object_id=str(alice.pk)).count() == 1
    # and an export afterwards holds nothing personal
    data = export_my_data(alice)
    assert data["profile"]["full_name"] == "" and data["roles"] == [] and data["notifications"] == []


def test_delete_my_data_keeps_a_booking_past_its_cancellation_deadline(parking, home):
    # given a booking that can no longer be cancelled by its owner (cancel until 60 minutes before)
    parking.cancel_until_minutes_before = 60
    parking.save(update_fields=["cancel_until_minutes_before"])
    alice = person(home)
    booking = _booked(alice, parking, TUESDAY_11)
    # when she deletes her data just before the start
    report = delete_my_data(user=alice, now=TUESDAY_11 - dt.timedelta(minutes=10))
    # then the booking stays active (its place is not freed behind the unit's back) but is scrubbed
    booking.refresh_from_db()
    assert (report.cancelled, report.kept) == ([], [booking.pk])
    assert booking.status == BookingStatus.CONFIRMED and booking.plate_number == ""
