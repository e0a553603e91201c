"""notify: one in-app row per (user, key), outbox rows in the caller's transaction, delivery on commit;
mark_read and unread_count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation

from booking.models import BookingStatus
from booking.notifications.models import Notification, OutboxMessage, OutboxStatus
from booking.notifications.rendering import render
from booking.notifications.services import booking_params, effect_key, mark_read, notify, unread_count
from tests.factories import resident

from ..conftest import NOW, book

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing
TUESDAY_11 = dt.datetime(2026, 12, 1, 11, 0, tzinfo=NOW.tzinfo)


def _confirm(user, key="BOOKING_CONFIRMED:booking:1", **kwargs):
    return notify(user=user, kind="BOOKING_CONFIRMED", key=key,
                  params={"resource": "月坛食堂", "start": START}, **kwargs)


@pytest.mark.postgres
def test_the_same_key_twice_writes_one_row_and_one_email(person, mailoutbox, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first = _confirm(person)
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _confirm(person)
    # then
    assert first is not None and second is None
    assert Notification.objects.filter(user=person).count() == 1
    assert OutboxMessage.objects.count() == 1
    assert callbacks == []
    assert len(mailoutbox) == 1


@pytest.mark.postgres
def test_a_duplicate_leaves_the_callers_transaction_usable(person):
    # given
    _confirm(person)
    # when
    with transaction.atomic():
        duplicate = _confirm(person)
        other = _confirm(person, key="BOOKING_CONFIRMED:booking:2")  # would fail in an aborted transaction
    # then
    assert duplicate is None and other is not None
    assert Notification.objects.filter(user=person).count() == 2


def test_the_same_key_for_another_user_is_another_notification(person, home):
    # given
    neighbour = resident(home)
    # when
    mine, theirs = _confirm(person), _confirm(neighbour)
    # then
    assert mine is not None and theirs is not None and mine.pk != theirs.pk


@pytest.mark.postgres
def test_a_rolled_back_caller_leaves_no_notification_no_outbox_and_queues_nothing(
        person, mailoutbox, django_capture_on_commit_callbacks):
    # given
    class Refused(Exception):
        pass

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Refused):
        with transaction.atomic():
            _confirm(person)
            raise Refused
    # then
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert callbacks == []
    assert mailoutbox == []


def test_outbox_rows_follow_the_users_addresses(home, sms_log):
    # given
    both = resident(home, email="a@example.com", phone="13812341234")
    email_only = resident(home, email="b@example.com")
    phone_only = resident(home, phone="13912341234")
    neither = resident(home)
    # when
    for user in (both, email_only, phone_only, neither):
        _confirm(user)
    # then
    def channels(user):
        return sorted(OutboxMessage.objects.filter(notification__user=user).values_list("channel", flat=True))

    assert channels(both) == ["email", "sms"]
    assert channels(email_only) == ["email"]
    assert channels(phone_only) == ["sms"]
    assert channels(neither) == []
    assert Notification.objects.filter(user=neither).count() == 1


def test_delivery_is_queued_on_commit_only(person, mailoutbox, django_capture_on_commit_callbacks):
    # given: bare mode, tasks run eagerly when published
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = _confirm(person)
    message = OutboxMessage.objects.get(notification=notification)
    deliveries = [c for c in callbacks if c.func.__name__ == "queue_delivery"]  # beside the live update
    assert len(deliveries) == 1
    assert mailoutbox == [] and message.status == OutboxStatus.PENDING
    # when: the transaction commits
    deliveries[0]()
    # then
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    assert [m.to for m in mailoutbox] == [["li@example.com"]]
    with translation.override("zh-hans"):
        assert (mailoutbox[0].subject, mailoutbox[0].body) == render(notification)


def test_the_email_is_written_in_the_site_language(person, mailoutbox, settings,
                                                   django_capture_on_commit_callbacks):
    # given
    settings.LANGUAGE_CODE = "en"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(person)
    # then
    assert mailoutbox[0].subject == "Booking confirmed"
    assert mailoutbox[0].body == "Your booking at 月坛食堂 on 2026-11-30 12:00 is confirmed."


@pytest.mark.parametrize(("kind", "key"), [("NOT_A_KIND", "k"), ("REMINDER", ""), ("REMINDER", "k" * 201)])
def test_programming_errors_are_refused_and_write_nothing(person, kind, key):
    # when / then
    with pytest.raises(ValueError):
        notify(user=person, kind=kind, key=key)
    assert not Notification.objects.exists()


def test_effect_key_joins_kind_and_ids():
    assert effect_key("REMINDER", "booking", 12, "2026-11-30") == "REMINDER:booking:12:2026-11-30"


def test_allocation_id_and_params_are_recorded(person):
    # when
    notification = notify(user=person, kind="ALLOCATION_DECIDED", key="a:5", allocation_id=5,
                          params={"quantity": 3})
    # then
    notification.refresh_from_db()
    assert (notification.booking_id, notification.allocation_id, notification.params) == (None, 5, {"quantity": 3})


@pytest.mark.postgres
def test_a_booking_notice_snapshots_the_booking(canteen, alice):
    # given: the booking service tells the owner when it confirms
    booking = book(alice, canteen, TUESDAY_11).booking
    # when
    notification = Notification.objects.get(user=alice, booking=booking, kind="BOOKING_CONFIRMED")
    # then
    with translation.override("en"):
        assert render(notification) == (
            "Booking confirmed",
            f"Your booking at {canteen.name} on 2026-12-01 11:00 is confirmed. Check-in code: {booking.check_in_code}")


def test_booking_params_give_the_reason_and_the_pending_variant(canteen, alice):
    # given
    booking = book(alice, canteen, TUESDAY_11).booking
    booking.status, booking.status_reason = BookingStatus.PENDING, "Kitchen closed"
    # when
    promoted = booking_params("WAITLIST_PROMOTED", booking)
    cancelled = booking_params("BOOKING_CANCELLED", booking)
    # then
    assert promoted == {"resource": canteen.name, "start": TUESDAY_11, "variant": "pending"}
    assert cancelled == {"resource": canteen.name, "start": TUESDAY_11, "reason": "Kitchen closed"}


def test_explicit_params_win_over_the_booking_facts(canteen, alice):
    # given
    booking = book(alice, canteen, TUESDAY_11).booking
    # when
    notification = notify(user=alice, kind="BOOKING_CANCELLED", key="x", booking=booking,
                          params={"reason": "Snow"})
    # then
    assert notification.params["reason"] == "Snow" and notification.params["resource"] == canteen.name


@pytest.mark.postgres
def test_mark_read_by_ids_ignores_other_users_and_unknown_ids(person, home):
    # given
    neighbour = resident(home)
    mine = [_confirm(person, key=f"k{i}") for i in range(3)]
    theirs = _confirm(neighbour, key="k0")
    read_at = dt.datetime(2026, 11, 30, 5, 0, tzinfo=dt.UTC)
    # when
    left = mark_read(user=person, ids=[mine[0].pk, theirs.pk, 999_999], now=read_at)
    # then
    assert left == 2 == unread_count(person)
    assert unread_count(neighbour) == 1
    mine[0].refresh_from_db()
    theirs.refresh_from_db()
    assert mine[0].read_at == read_at and theirs.read_at is None


def test_mark_read_keeps_the_first_read_time_and_all_reads_the_rest(person):
    # given
    first, second = _confirm(person, key="k1"), _confirm(person, key="k2")
    t1, t2 = dt.datetime(2026, 11, 30, 5, tzinfo=dt.UTC), dt.datetime(2026, 11, 30, 6, tzinfo=dt.UTC)
    mark_read(user=person, ids=[first.pk], now=t1)
    # when
    left = mark_read(user=person, all=True, now=t2)
    # then
    assert left == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.read_at, second.read_at) == (t1, t2)


def test_mark_read_without_ids_or_all_changes_nothing(person):
    # given
    _confirm(person)
    # when
    left = mark_read(user=person, ids=[])
    left_none = mark_read(user=person)
    # then
    assert left == left_none == 1


def test_notifications_list_newest_first(person):
    # given
    old = _confirm(person, key="old", now=START)
    new = _confirm(person, key="new", now=START + dt.timedelta(minutes=1))
    # when
    listed = list(Notification.objects.for_user(person).newest_first())
    # then
    assert listed == [new, old]
