"""The Celery app, with the reliability settings of docs/ARCHITECTURE.md.

- Tasks are acknowledged late and rejected when their worker is lost, so a killed worker's task is
  redelivered; every task of ours is idempotent (a unique key per effect), which makes that safe.
- Every task has a soft and a hard time limit; the matcher's own solve limit sits below them.
- Publishing uses a short timeout and a bounded retry, so a request never hangs on a dead broker;
  the outbox sweeper is what guarantees delivery.
- With no broker configured, tasks run eagerly in the calling process (tests, scripts).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery, Task
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
logger = logging.getLogger(__name__)


class BoundedTask(Task):  # type: ignore[misc]
    """Every task of ours: a message started more than `CELERY_MAX_DELIVERIES` times (its worker died
    each time, and acks-late requeued it) is acknowledged without running and logged — dead-lettered,
    not looped. Eager and direct calls are not counted."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        if request.id and not request.is_eager and not request.called_directly:
            from marketplace.services.task_deliveries import (  # the app is built before Django's models
                DEFAULT_MAX_DELIVERIES,
                count_delivery,
            )

            limit = getattr(settings, "CELERY_MAX_DELIVERIES", DEFAULT_MAX_DELIVERIES)
            deliveries = count_delivery(task_id=request.id, name=self.name)
            if deliveries > limit:
                logger.error("task %s[%s] given up after %s deliveries", self.name, request.id, deliveries - 1,
                             extra={"task_id": request.id})
                return None
        return super().__call__(*args, **kwargs)


app = Celery("config", task_cls=BoundedTask)


def _configure(app: Celery) -> None:
    broker = settings.CELERY_BROKER_URL
    options: dict[str, object] = {}
    if broker.startswith("filesystem://"):
        root = Path(settings.CELERY_FILESYSTEM_DIR)
        for sub in ("queue", "processed", "control"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(root / "queue"),
            "data_folder_out": str(root / "queue"),
            "processed_folder": str(root / "processed"),
            "control_folder": str(root / "control"),
            "store_processed": False,
        }
    elif broker.startswith(("redis://", "rediss://")):
        # Above the longest task's hard limit, so a running task is not redelivered while it runs.
        options = {"visibility_timeout": 3 * 3600, "socket_connect_timeout": 3, "socket_timeout": 10}
    app.conf.update(
        broker_url=broker or "memory://localhost/",
        broker_transport_options=options,
        broker_connection_timeout=3,
        broker_connection_retry_on_startup=True,
        task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER,
        task_eager_propagates=settings.CELERY_TASK_EAGER_PROPAGATES,
        result_backend="django-db",
        result_extended=True,
        result_expires=7 * 24 * 3600,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=15 * 60,
        task_time_limit=20 * 60,
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                                   "interval_max": 0.5},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone=settings.TIME_ZONE,
        enable_utc=True,
        worker_hijack_root_logger=False,
        beat_schedule=getattr(settings, "CELERY_BEAT_SCHEDULE", {}),
    )


_configure(app)
app.autodiscover_tasks()
