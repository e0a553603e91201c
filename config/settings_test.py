"""Test settings: production-like (debug off), a fast password hasher, eager Celery.

`DATABASE_URL` picks the database as in production; the test command runs the suite on SQLite and
the tests marked `postgres` again on the machine's PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("DJANGO_DEBUG", "0")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Live updates stay inside the test process unless a test starts servers of its own (tests/core/live).
LIVE_BROKER_URL = os.environ.get("LIVE_BROKER_URL", "memory://")
# Django's test server (the browser tests) speaks WSGI only: pages there open no stream. The live tests
# run their own ASGI processes and talk to /graphql/stream directly.
LIVE_STREAM_URL = os.environ.get("LIVE_STREAM_URL", "")
