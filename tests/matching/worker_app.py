"""The project's Celery app (config.celery) for a test worker, on a queue of its own
(MATCHING_TEST_QUEUE), so workers of other test runs on the same Redis never take its tasks.
With MATCHING_TEST_STALL_PARTS=1 every part blocks (a worker that hangs until it is killed)."""

import os
import threading

from config.celery import app

app.conf.task_default_queue = os.environ["MATCHING_TEST_QUEUE"]

if os.environ.get("MATCHING_TEST_STALL_PARTS") == "1":
    import django

    django.setup()
    from matching.services import runs

    def _stall(*args, **kwargs):  # type: ignore[no-untyped-def]
        threading.Event().wait()

    runs.solver_api.solve_part = _stall  # type: ignore[assignment]

__all__ = ["app"]
