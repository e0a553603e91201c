"""A message that keeps killing its worker is given up after a bounded number of deliveries."""

from __future__ import annotations

import pytest

from config.celery import app
from marketplace.models import TaskDelivery
from marketplace.services.task_deliveries import purge_deliveries

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
RAN: list[int] = []


@app.task(name="tests.poison_task")
def poison_task() -> int:
    RAN.append(1)
    return len(RAN)


def deliver(task_id: str) -> object:
    """What a worker does with one delivery of the message: run it under its request."""
    poison_task.push_request(id=task_id, is_eager=False, called_directly=False)
    try:
        return poison_task()
    finally:
        poison_task.pop_request()


def test_a_message_started_too_often_is_acknowledged_without_running(settings):
    # given a limit of 3 deliveries
    settings.CELERY_MAX_DELIVERIES = 3
    RAN.clear()
    # when the same message is delivered five times (its worker died after each start)
    results = [deliver("msg-1") for _ in range(5)]
    # then it ran three times, and the last two deliveries were given up
    assert len(RAN) == 3
    assert results == [1, 2, 3, None, None]
    assert TaskDelivery.objects.get(task_id="msg-1").deliveries == 5


def test_other_messages_have_their_own_count(settings):
    settings.CELERY_MAX_DELIVERIES = 1
    RAN.clear()
    assert [deliver("a"), deliver("b"), deliver("a")] == [1, 2, None]


def test_eager_calls_are_not_counted():
    RAN.clear()
    poison_task.delay()
    poison_task.delay()
    assert len(RAN) == 2
    assert not TaskDelivery.objects.exists()


def test_old_counters_are_purged():
    deliver("old")
    import datetime as dt

    from django.utils import timezone

    TaskDelivery.objects.update(last_at=timezone.now() - dt.timedelta(days=8))
    assert purge_deliveries() == 1 and not TaskDelivery.objects.exists()
