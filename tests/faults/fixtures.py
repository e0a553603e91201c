"""Fixtures of the fault and load tests (imported by tests/conftest.py, so one session shares them): a
private PostgreSQL cluster with a migrated template (made once per session, on first use) and a
private Redis per test. These tests run in the PostgreSQL pass (`postgres` marker + postgres_only)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.conftest import service_missing
from tests.servers import PrivateRedis, postgres_available

from .stack import Cluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if connection.vendor != "postgresql":
        pytest.skip("fault tests run in the PostgreSQL pass (DATABASE_URL=postgres://...)")
    if not postgres_available():
        service_missing("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    made = Cluster()
    try:
        yield made
    finally:
        made.destroy()


@pytest.fixture
def private_redis_server() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        service_missing("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.destroy()
