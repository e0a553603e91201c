"""Settings of the processes a fault or load test starts (gunicorn, Celery workers, setup scripts):
production settings from the environment (config.settings), plus the knobs tests turn through
FAULT_* variables. Never used by the test process itself. Such a process imports `config` before
Django loads this module (gunicorn's config.wsgi and the worker app do; stack.MANAGE for commands),
since the Celery app in config/__init__ reads the settings."""

import json
import os

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if os.environ.get("FAULT_CHANNELS"):
    NOTIFICATIONS_CHANNELS = json.loads(os.environ["FAULT_CHANNELS"])
for _name in ("NOTIFICATIONS_MAX_ATTEMPTS", "NOTIFICATIONS_RETRY_SECONDS", "NOTIFICATIONS_LEASE_SECONDS",
              "MATCHING_STALE_AFTER_S", "MATCHING_HEARTBEAT_S", "MATCHING_TIME_LIMIT_S"):
    if os.environ.get(f"FAULT_{_name}"):
        globals()[_name] = float(os.environ[f"FAULT_{_name}"])
if os.environ.get("FAULT_NOTIFICATIONS_MAX_ATTEMPTS"):
    NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ["FAULT_NOTIFICATIONS_MAX_ATTEMPTS"])
if os.environ.get("FAULT_MUTATION_RATE"):
    GRAPHQL_MUTATION_RATE = {"limit": int(os.environ["FAULT_MUTATION_RATE"]), "window": 60}
