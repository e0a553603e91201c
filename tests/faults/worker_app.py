"""The project's Celery app (config.celery) for workers that fault tests start and kill:

- FAULT_VISIBILITY_TIMEOUT (seconds) shortens Redis's visibility timeout, so an unacknowledged task
  of a killed worker is redelivered within the test's time bound instead of after 3 hours;
- FAULT_SLOW_PARTS (seconds) makes every match-run part wait that long before solving, after
  appending a line to FAULT_MARKER — a worker that is busy with a part when the test kills it.
"""

import os
import time

from celery.signals import worker_process_init

from config.celery import app

if os.environ.get("FAULT_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {**app.conf.broker_transport_options,
                                         "visibility_timeout": int(os.environ["FAULT_VISIBILITY_TIMEOUT"]),
                                         # scan for them every second (kombu's default: every 100 s)
                                         "unacked_restore_interval": 1, "unacked_restore_throttle": 1}



@worker_process_init.connect
def _slow_parts(**kwargs):  # type: ignore[no-untyped-def]
    if not os.environ.get("FAULT_SLOW_PARTS"):
        return
    from matching.services import runs

    solve = runs.solver_api.solve_part

    def slow_solve(*args, **kwargs):  # type: ignore[no-untyped-def]
        with open(os.environ["FAULT_MARKER"], "a", encoding="utf-8") as f:
            f.write("part started\n")
        time.sleep(float(os.environ["FAULT_SLOW_PARTS"]))
        return solve(*args, **kwargs)

    runs.solver_api.solve_part = slow_solve

__all__ = ["app"]
