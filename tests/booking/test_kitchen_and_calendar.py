"""The kitchen sheet, calendar files at secret addresses, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from booking.services.calendar import booking_calendar_url, feed_url, rotate_feed_secret
from booking.services.jobs import send_reminders
from booking.services.kitchen import kitchen_sheet
from booking.services.lifecycle import check_in
from core.errors import ErrorCode, ServiceError
from tests.factories import unit_staff

from .conftest import NOW, book, local, person

pytestmark = pytest.mark.django_db
TUESDAY_11 = local(dt.date(2026, 12, 1), 11)


def test_kitchen_sheet_counts_diners_per_sitting_with_notes(canteen, unit, community, alice):
    kitchen = unit_staff(unit)
    book(alice, canteen, TUESDAY_11, note="清真 halal", quantity=2)
    other = book(person(community), canteen, TUESDAY_11).booking
    book(person(community), canteen, TUESDAY_11 + dt.timedelta(hours=1))
    check_in(actor=kitchen, code=other.check_in_code, now=TUESDAY_11)
    lines = kitchen_sheet(viewer=kitchen, resource=canteen, date=dt.date(2026, 12, 1), now=TUESDAY_11)
    assert [(line.confirmed, line.checked_in, line.notes) for line in lines] == [(3, 1, ["清真 halal"]), (1, 0, [])]
    assert not lines[0].provisional and lines[1].provisional
    with pytest.raises(ServiceError) as caught:
        kitchen_sheet(viewer=alice, resource=canteen, date=dt.date(2026, 12, 1), now=NOW)
    assert caught.value.code == ErrorCode.PERMISSION_DENIED


def test_booking_ics_at_its_secret_address(client, canteen, alice):
    booking = book(alice, canteen, TUESDAY_11).booking
    response = client.get(booking_calendar_url(booking))
    assert response.status_code == 200
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == TUESDAY_11
    assert booking.check_in_code in str(event.get("description"))
    assert client.get("/calendar/booking/not-a-secret.ics").status_code == 404


def test_feed_lists_bookings_and_rotating_the_secret_retires_the_old_address(client, canteen, alice):
    book(alice, canteen, TUESDAY_11)
    old = feed_url(alice)
    assert len(Calendar.from_ical(client.get(old).content).walk("VEVENT")) == 1
    rotate_feed_secret(actor=alice, user=alice)
    assert client.get(old).status_code == 404
    assert client.get(feed_url(alice)).status_code == 200


def test_reminders_go_the_evening_before_once(canteen, alice):
    from booking.notifications.models import Notification

    book(alice, canteen, TUESDAY_11)
    evening = local(dt.date(2026, 11, 30), 18)
    assert send_reminders(now=evening - dt.timedelta(minutes=1)) == 0
    send_reminders(now=evening)
    send_reminders(now=evening + dt.timedelta(minutes=15))
    assert Notification.objects.filter(user=alice, kind="REMINDER").count() == 1
    assert Notification.objects.filter(user=alice, kind="BOOKING_CONFIRMED").count() == 1
