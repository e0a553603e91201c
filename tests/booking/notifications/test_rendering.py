"""Title and message rendered at read time in the viewer's language, from kind + params."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from booking.notifications.models import Notification, NotificationKind
from booking.notifications.rendering import recipient_language, render, render_parts

START = "2026-11-30T04:00:00Z"  # 12:00 in Beijing, as DjangoJSONEncoder stores it
BOOKING = {"resource": "月坛食堂", "start": START}


@pytest.mark.parametrize(("kind", "params", "expected"), [
    ("BOOKING_CONFIRMED", BOOKING, ("Booking confirmed", "Your booking at 月坛食堂 on 2026-11-30 12:00 is confirmed.")),
    ("BOOKING_APPROVED", BOOKING, ("Booking approved", "Your booking at 月坛食堂 on 2026-11-30 12:00 was approved.")),
    ("BOOKING_REJECTED", {**BOOKING, "reason": "Full for a meeting"},
     ("Booking not approved",
      "Your booking at 月坛食堂 on 2026-11-30 12:00 was not approved. Reason: Full for a meeting")),
    ("WAITLIST_PROMOTED", BOOKING,
     ("A place became free", "A place became free at 月坛食堂 on 2026-11-30 12:00: you are booked.")),
    ("WAITLIST_PROMOTED", {**BOOKING, "variant": "pending"},
     ("A place became free", "A place became free at 月坛食堂 on 2026-11-30 12:00: your booking awaits approval.")),
    ("BOOKING_CANCELLED", BOOKING,
     ("Booking cancelled", "Your booking at 月坛食堂 on 2026-11-30 12:00 was cancelled.")),
    ("SLOT_CLOSED", {**BOOKING, "reason": "Repairs"},
     ("Closed", "月坛食堂 is closed on 2026-11-30 12:00, so your booking was cancelled. Reason: Repairs")),
    ("REMINDER", {**BOOKING, "code": "123456"},
     ("Reminder", "Your booking at 月坛食堂 starts on 2026-11-30 12:00. Check-in code: 123456")),
    ("ALLOCATION_PROPOSED", {"count": 3, "run": 7},
     ("New match proposals", "The matching proposes 3 allocations for your unit. Please accept or decline them.")),
    ("ALLOCATION_DECIDED", {"accepted": True, "need": "老年助餐", "resource": "月坛食堂"},
     ("Proposal accepted", "月坛食堂 accepted the proposal for the need 老年助餐.")),
    ("ALLOCATION_DECIDED", {"accepted": False, "need": "老年助餐", "resource": "月坛食堂"},
     ("Proposal declined", "月坛食堂 declined the proposal for the need 老年助餐.")),
    ("NEED_UPDATED", {"need": "老年助餐"}, ("Need updated", "The need 老年助餐 was updated.")),
])
def test_english_texts(kind, params, expected):
    with translation.override("en"):
        assert render_parts(kind, params) == expected


def test_every_kind_has_a_text():
    with translation.override("en"):
        for kind in NotificationKind.values:
            title, message = render_parts(kind, {})
            assert title != kind and message, kind


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", NotificationKind.values)
def test_rendering_never_fails_with_missing_or_odd_params(language, kind):
    # given: a notice written by an older version, with odd values
    params = {"start": "not a date", "quantity": None, "variant": "unknown", "reason": "%(x)s 100%"}
    # when
    with translation.override(language):
        title, message = render_parts(kind, params)
    # then
    assert title and message


def test_a_datetime_param_is_shown_in_beijing_time():
    with translation.override("en"):
        _title, message = render_parts("REMINDER", {"resource": "R", "start": dt.datetime(2026, 1, 1, 16, 30,
                                                                                        tzinfo=dt.UTC)})
    assert message == "Your booking at R starts on 2026-01-02 00:30."


def test_an_unknown_kind_renders_its_name():
    assert render_parts("SOMETHING_NEW", {"x": 1}) == ("SOMETHING_NEW", "")


@pytest.mark.django_db
def test_a_stored_notification_renders_in_the_viewers_language(person):
    # given
    from booking.notifications.services import notify

    notify(user=person, kind="BOOKING_CONFIRMED", key="k", params={"resource": "月坛食堂",
                                                                     "start": dt.datetime.fromisoformat(START)})
    stored = Notification.objects.get()
    # when
    with translation.override("en"):
        english = render(stored)
    with translation.override("zh-hans"):
        chinese = render(stored)
    # then
    assert english == ("Booking confirmed", "Your booking at 月坛食堂 on 2026-11-30 12:00 is confirmed.")
    assert all(chinese) and "月坛食堂" in chinese[1] and "11月30日 12:00" in chinese[1]


def test_outside_channels_write_in_the_site_language_until_users_choose_one(settings):
    settings.LANGUAGE_CODE = "zh-hans"

    class Person:
        pass

    assert recipient_language(Person()) == "zh-hans"

