"""The Celery app, with the reliability settings of shared/RELIABILITY.md.

- Tasks are acknowledged late and rejected when their worker is lost, so a killed worker's task is
  redelivered; every task of ours is idempotent (a unique key per effect), which makes that safe.
- Every task has a soft and a hard time limit; the matcher's own solve limit sits below them.
- Publishing uses a short timeout and a bounded retry, so a request never hangs on a dead broker;
  the outbox sweeper is what guarantees delivery.
- With no broker configured, tasks run eagerly in the calling process (tests, scripts).
"""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")


def _configure(app: Celery) -> None:
    from django.conf import settings

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
