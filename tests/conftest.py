"""Shared fixtures: services availability, the injected clock, and small factories of people."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    """Skips with a clear reason locally; fails when REQUIRE_SERVICES=1 (CI started the services)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres_only() -> None:
    """For tests that prove PostgreSQL behaviour; they run in the test command's PostgreSQL pass."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL behaviour: runs in the PostgreSQL pass (DATABASE_URL=postgres://...)")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if not _reachable(url, 6379):
        service_missing(f"Redis is not reachable at {url}")
    return url


# Private servers for the fault and load tests (tests/faults/fixtures.py), shared by the whole session.
from tests.faults.fixtures import cluster, private_redis_server  # noqa: E402, F401
