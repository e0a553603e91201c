"""Delivery to outside channels: at least once, claimed per attempt, bounded retries with backoff,
a dead broker never failing the request, and the sweeper delivering what the tasks could not."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from django.db import transaction

from booking.notifications import publish, tasks
from booking.notifications.delivery import Outcome, claim, deliver_message, sweep_outbox
from booking.notifications.models import Notification, OutboxMessage, OutboxStatus
from booking.notifications.services import notify
from core.locks import Lock
from tests.factories import resident

from .channels import WorkerKilled

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)  # in the past: tasks run with the real clock
UNREACHABLE_BROKER = "amqp://guest:guest@127.0.0.1:9//"  # nothing listens on the discard port


def _message(user, key="k1", now=T0) -> OutboxMessage:
    """A notification written and committed, its delivery not run (as when the publish was lost)."""
    notification = notify(user=user, kind="REMINDER", key=key, now=now,
                          params={"resource": "展览路停车场", "start": now + dt.timedelta(hours=1)})
    return OutboxMessage.objects.get(notification=notification)


@pytest.fixture
def failing_email(settings):
    settings.NOTIFICATIONS_CHANNELS = {"email": "tests.booking.notifications.channels.AlwaysFailingChannel"}
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 5
    settings.NOTIFICATIONS_RETRY_SECONDS = 60


@pytest.mark.postgres
def test_a_failing_channel_is_retried_with_exponential_backoff_then_dead(person, failing_email):
    # given
    message = _message(person)
    now, outcomes, delays = T0, [], []
    # when: every due attempt fails
    for _attempt in range(5):
        outcomes.append(deliver_message(message_id=message.pk, now=now))
        message.refresh_from_db()
        delays.append((message.next_attempt_at - now).total_seconds())
        now = message.next_attempt_at
    later = deliver_message(message_id=message.pk, now=now + dt.timedelta(days=1))
    # then
    assert outcomes == [Outcome.RETRY] * 4 + [Outcome.DEAD]
    assert delays[:4] == [60, 120, 240, 480]
    message.refresh_from_db()
    assert later == Outcome.SKIPPED
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 5)
    assert message.last_error == "ChannelDown: gateway refused the message"


def test_a_failed_message_is_not_due_before_its_backoff(person, failing_email):
    # given
    message = _message(person)
    deliver_message(message_id=message.pk, now=T0)
    # when
    early = deliver_message(message_id=message.pk, now=T0 + dt.timedelta(seconds=59))
    # then
    message.refresh_from_db()
    assert early == Outcome.SKIPPED and message.attempts == 1


@pytest.mark.postgres
def test_a_sent_message_is_not_sent_again(person, mailoutbox):
    # given
    message = _message(person)
    assert tasks.deliver_outbox_task.delay(message.pk).get() == "sent"
    # when
    again = tasks.deliver_outbox_task.delay(message.pk).get()
    swept = sweep_outbox(now=T0 + dt.timedelta(days=1))
    # then
    message.refresh_from_db()
    assert again == "skipped" and swept.outcomes == {}
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)
    assert len(mailoutbox) == 1


def test_an_attempt_claimed_by_one_sender_is_not_taken_by_another(person, mailoutbox):
    # given
    message = _message(person)
    assert claim(message_id=message.pk, now=T0)
    # when
    second = deliver_message(message_id=message.pk, now=T0)
    # then
    assert second == Outcome.SKIPPED and mailoutbox == []


def test_a_sender_killed_while_sending_is_retried_after_the_lease(person, settings, mailoutbox):
    # given: the first sender dies inside the channel (kill -9)
    settings.NOTIFICATIONS_LEASE_SECONDS = 300
    message = _message(person)
    settings.NOTIFICATIONS_CHANNELS = {"email": "tests.booking.notifications.channels.CrashingChannel"}
    with pytest.raises(WorkerKilled):
        deliver_message(message_id=message.pk, now=T0)
    settings.NOTIFICATIONS_CHANNELS = {"email": "booking.notifications.channels.EmailChannel"}
    # when
    during_lease = sweep_outbox(now=T0 + dt.timedelta(seconds=299))
    after_lease = sweep_outbox(now=T0 + dt.timedelta(seconds=300))
    # then
    message.refresh_from_db()
    assert during_lease.outcomes == {} and after_lease.outcomes == {"sent": 1}
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert len(mailoutbox) == 1
    assert Notification.objects.count() == 1


def test_a_last_attempt_lost_with_its_worker_is_buried_dead(person, settings):
    # given
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    message = _message(person)
    settings.NOTIFICATIONS_CHANNELS = {"email": "tests.booking.notifications.channels.CrashingChannel"}
    with pytest.raises(WorkerKilled):
        deliver_message(message_id=message.pk, now=T0)
    # when
    report = sweep_outbox(now=T0 + dt.timedelta(hours=1))
    # then
    message.refresh_from_db()
    assert report.buried == 1 and report.outcomes == {}
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 1)


@pytest.mark.postgres
def test_broker_down_the_request_succeeds_and_the_sweeper_delivers_later(
        person, settings, mailoutbox, caplog, django_capture_on_commit_callbacks):
    # given: the broker is unreachable
    settings.NOTIFICATIONS_BROKER_URL = UNREACHABLE_BROKER
    started = time.monotonic()
    # when: a service commits a notification and its on-commit publish fails
    with caplog.at_level(logging.WARNING, logger="booking.notifications.publish"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                notification = notify(user=person, kind="BOOKING_CONFIRMED", key="b:1",
                                      params={"resource": "月坛食堂", "start": T0})
    elapsed = time.monotonic() - started
    # then: the request went on, nothing was sent, the message waits
    message = OutboxMessage.objects.get(notification=notification)
    assert len([c for c in callbacks if c.func.__name__ == "queue_delivery"]) == 1  # beside the live update
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    assert mailoutbox == []
    assert "could not queue delivery" in caplog.text
    assert elapsed < 10, elapsed
    # when: the sweeper runs (after the broker is back, beat starts it)
    report = tasks.sweep_outbox_task.delay().get()
    # then
    message.refresh_from_db()
    assert report == {"outcomes": {"sent": 1}, "buried": 0}
    assert message.status == OutboxStatus.SENT
    assert len(mailoutbox) == 1


def test_publishing_to_a_live_broker_queues_the_task_instead_of_running_it(person, settings, redis_url, mailoutbox):
    # given
    import redis
    from kombu.utils.json import loads

    settings.NOTIFICATIONS_BROKER_URL = redis_url
    message = _message(person)
    client = redis.Redis.from_url(redis_url)
    # when
    publish.queue_delivery([message.pk])
    # then: the task is in the broker's queue, not run here
    ours = [raw for raw in client.lrange("celery", 0, -1)
            if loads(raw)["headers"].get("task") == tasks.deliver_outbox_task.name
            and loads(raw)["headers"].get("argsrepr") == f"({message.pk},)"]
    for raw in ours:
        client.lrem("celery", 1, raw)
    assert len(ours) == 1
    assert mailoutbox == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING


def test_sms_goes_through_the_configured_gateway(home, sms_log, settings):
    # given
    settings.LANGUAGE_CODE = "en"
    user = resident(home, phone="13812341234")
    message = _message(user)
    # when
    outcome = deliver_message(message_id=message.pk, now=T0)
    # then
    assert outcome == Outcome.SENT
    assert sms_log == [("13812341234", "Reminder: Your booking at 展览路停车场 starts on 2026-01-05 10:00.")]


def test_the_console_sms_gateway_logs_a_masked_number(home, caplog):
    # given
    user = resident(home, phone="13812341234")
    message = _message(user)
    # when
    with caplog.at_level(logging.INFO, logger="booking.notifications.channels"):
        outcome = deliver_message(message_id=message.pk, now=T0)
    # then
    assert outcome == Outcome.SENT
    assert "SMS to 138****1234: " in caplog.text and "13812341234" not in caplog.text


def test_a_second_sweep_while_one_runs_does_nothing(person, mailoutbox):
    # given: another sweep holds the lock
    _message(person)
    other = Lock(tasks.SWEEP_LOCK, ttl=60)
    assert other.acquire()
    try:
        # when
        result = tasks.sweep_outbox_task.delay().get()
    finally:
        other.release()
    # then
    assert result == {"skipped": True}
    assert mailoutbox == []


def test_the_sweeper_takes_the_oldest_due_first_and_at_most_its_batch(home, settings, mailoutbox):
    # given
    settings.NOTIFICATIONS_SWEEP_BATCH = 2
    users = [resident(home, email=f"p{i}@example.com") for i in range(3)]
    for i, user in enumerate(users):
        _message(user, now=T0 - dt.timedelta(minutes=i))
    not_yet = _message(users[0], key="future", now=T0 + dt.timedelta(hours=1))
    # when
    report = sweep_outbox(now=T0)
    # then
    assert report.outcomes == {"sent": 2}
    assert sorted(m.to[0] for m in mailoutbox) == ["p1@example.com", "p2@example.com"]
    not_yet.refresh_from_db()
    assert not_yet.status == OutboxStatus.PENDING and not_yet.attempts == 0


def test_the_sweep_is_scheduled_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-notification-outbox"]
    assert entry == {"task": tasks.sweep_outbox_task.name, "schedule": 60.0}


def test_finished_messages_are_purged_after_their_keeping_time_and_pending_ones_never(person):
    # given a sent, a dead and a pending message, all old
    from booking.notifications.delivery import purge_finished

    sent, dead, pending = (_message(person, key=k) for k in ("sent", "dead", "pending"))
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT, sent_at=T0)
    OutboxMessage.objects.filter(pk=dead.pk).update(status=OutboxStatus.DEAD)
    # when purging 31 days later with a 30-day keeping time
    purged = purge_finished(now=T0 + dt.timedelta(days=31), keep_days=30)
    # then only the sent one goes; the dead one is kept three times as long; pending stays
    assert purged == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {dead.pk, pending.pk}
    assert purge_finished(now=T0 + dt.timedelta(days=91), keep_days=30) == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [pending.pk]
