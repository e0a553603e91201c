"""Queueing delivery tasks after commit (`queue_delivery`), by task name: this module never imports
`tasks.py`, which imports the services that call it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

from celery.exceptions import AlwaysEagerIgnored

from core.tasks import task_named

from . import conf

logger = logging.getLogger(__name__)

DELIVER_TASK = "booking.notifications.tasks.deliver_outbox_task"
# A dead broker must not hold a request: one quick retry, then give up (the sweeper delivers).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
PUBLISH_CONNECT_TIMEOUT = 2


def queue_delivery(message_ids: Sequence[int]) -> None:
    """Queues one delivery task per outbox message; registered with `transaction.on_commit`.

    Never raises: when the broker is down the failure is logged and the messages stay PENDING for
    the sweeper. With no broker configured (bare mode) the tasks run eagerly here."""
    for message_id in message_ids:
        try:
            _publish(message_id)
        except Exception:  # the request has committed; the sweeper delivers later
            logger.warning("notifications: could not queue delivery of outbox message %s; the sweeper will "
                           "send it", message_id, exc_info=True)


def _publish(message_id: int) -> None:
    task = task_named(DELIVER_TASK)
    app = task.app
    override = conf.broker_url()
    if not override:
        task.apply_async((message_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
        return
    with app.connection_for_write(override, connect_timeout=PUBLISH_CONNECT_TIMEOUT) as connection:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlwaysEagerIgnored)
            app.send_task(DELIVER_TASK, args=(message_id,), connection=connection, retry=True,
                          retry_policy=PUBLISH_RETRY_POLICY)
