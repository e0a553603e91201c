"""Exactly once under concurrency, on real PostgreSQL: many transactions telling the same effect at
the same moment write one in-app row, one outbox row per channel, and send one e-mail; many senders
racing for the same outbox messages send each once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from booking.notifications.delivery import Outcome, deliver_message
from booking.notifications.models import Notification, OutboxMessage, OutboxStatus
from booking.notifications.services import notify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def _in_threads(work, n=THREADS):
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_notify_with_one_key_writes_one_row_and_sends_one_email(postgres_only, person, mailoutbox):
    # given: 20 transactions that each tell the same effect, then keep working
    def tell(_i):
        with transaction.atomic():
            created = notify(user=person, kind="WAITLIST_PROMOTED", key="WAITLIST_PROMOTED:booking:9",
                             params={"resource": "月坛食堂"})
            still_usable = Notification.objects.filter(user=person).count()  # fails if the duplicate aborted us
        return created is not None, still_usable >= 1

    # when
    results = _in_threads(tell)
    # then
    assert sum(created for created, _ok in results) == 1
    assert all(ok for _created, ok in results)
    assert Notification.objects.filter(user=person).count() == 1
    assert list(OutboxMessage.objects.values_list("channel", "status")) == [("email", OutboxStatus.SENT)]
    assert len(mailoutbox) == 1


def test_concurrent_senders_send_each_message_once(postgres_only, home, mailoutbox):
    # given: 10 committed messages whose on-commit delivery was lost
    from tests.factories import resident

    users = [resident(home, email=f"p{i}@example.com") for i in range(10)]
    ids = []
    for i, user in enumerate(users):
        notification = Notification.objects.create(user=user, kind="REMINDER", key=f"r{i}")
        ids.append(OutboxMessage.objects.create(notification=notification, channel="email").pk)

    # when: 20 senders (tasks and sweeps) race over all of them
    def send_all(_i):
        return [deliver_message(message_id=pk) for pk in ids]

    outcomes = [o for batch in _in_threads(send_all) for o in batch]
    # then
    assert outcomes.count(Outcome.SENT) == 10
    assert outcomes.count(Outcome.SKIPPED) == THREADS * 10 - 10
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in users)
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}
