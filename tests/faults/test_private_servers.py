"""The private servers fault tests rely on start, stop and restart on their own ports."""

from __future__ import annotations

import shutil

import psycopg
import pytest
import redis

from tests.conftest import service_missing
from tests.servers import postgres_available, private_postgres, private_redis


def test_private_postgres_restarts_on_its_own_port():
    if not postgres_available():
        service_missing("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    with private_postgres() as pg:
        assert pg.port != 5432
        with psycopg.connect(pg.url, connect_timeout=3) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        pg.stop()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(pg.url, connect_timeout=2)
        pg.start()
        with psycopg.connect(pg.url, connect_timeout=3) as conn:
            assert conn.execute("select 2").fetchone() == (2,)


def test_private_redis_stops_and_starts():
    if shutil.which("redis-server") is None:
        service_missing("redis-server is not installed")
    with private_redis() as server:
        client = redis.Redis.from_url(server.url, socket_timeout=2)
        assert client.ping()
        server.stop()
        with pytest.raises(redis.exceptions.ConnectionError):
            redis.Redis.from_url(server.url, socket_timeout=1, socket_connect_timeout=1).ping()
        server.start()
        assert redis.Redis.from_url(server.url, socket_timeout=2).ping()
