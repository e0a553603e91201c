"""Counting task deliveries (docs/ARCHITECTURE.md: "a bounded attempt counter so a poison task is
dead-lettered, not looped").

Tasks are acknowledged late and requeued when their worker dies, so a message that kills its worker
(out of memory, a crash in a native library) would come back for ever. Every start of a task message
is counted here, in its own committed transaction before the task body runs; past the limit the
message is acknowledged without running and logged at ERROR — the dead letter.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from marketplace.models import TaskDelivery

DEFAULT_MAX_DELIVERIES = 5


@transaction.atomic
def count_delivery(*, task_id: str, name: str) -> int:
    """Counts one more start of the message `task_id`; returns how many starts there have been."""
    TaskDelivery.objects.get_or_create(task_id=task_id, defaults={"name": name[:200]})
    TaskDelivery.objects.filter(task_id=task_id).update(deliveries=F("deliveries") + 1, last_at=timezone.now())
    return int(TaskDelivery.objects.values_list("deliveries", flat=True).get(task_id=task_id))


def purge_deliveries(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Forgets counters of messages last started before `older_than` ago."""
    deleted, _detail = TaskDelivery.objects.filter(last_at__lt=timezone.now() - older_than).delete()
    return deleted
