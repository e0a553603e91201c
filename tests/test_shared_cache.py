"""Rate limits and lock-outs hold across processes (issue 11, item 9): the default cache is the
database (shared by every process on every machine), Redis through CACHE_URL; a per-process cache
is refused with debug off. Proven with separate OS processes counting against one limit."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

COUNTER = """
import datetime as dt, json, sys
import django
django.setup()
from django.conf import settings
from core.graphql import ratelimit
settings.GRAPHQL_MUTATION_RATE = {"limit": 60, "window": 3600}
now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
allowed = sum(ratelimit.hit(key=sys.argv[1], now=now) is None for _ in range(int(sys.argv[2])))
print(json.dumps({"allowed": allowed, "backend": settings.CACHES["default"]["BACKEND"]}))
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_URL", "DATABASE_URL"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0", "DJANGO_HTTPS": "0",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "localhost",
                "SQLITE_PATH": str(tmp_path / "shared.sqlite3"), "APP_VAR_DIR": str(tmp_path)})
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def _two_processes_count(env: dict[str, str], key: str) -> list[dict[str, object]]:
    procs = [subprocess.Popen([sys.executable, "-c", COUNTER, key, "50"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_the_default_cache_is_the_database_and_two_processes_share_one_limit(tmp_path: Path):
    env = _env(tmp_path)
    migrated = _run(["manage.py", "migrate", "--no-input", "-v", "0"], env)
    assert migrated.returncode == 0, migrated.stderr
    results = _two_processes_count(env, f"user:{secrets.token_hex(4)}")
    assert {r["backend"] for r in results} == {"config.cache.SharedDatabaseCache"}
    # 100 mutations from two processes against a limit of 60: exactly 60 pass
    assert sum(int(r["allowed"]) for r in results) == 60  # type: ignore[call-overload]


def test_two_processes_share_one_limit_on_redis(tmp_path: Path, redis_url: str):
    url = redis_url.rsplit("/", 1)[0] + "/13"
    results = _two_processes_count(_env(tmp_path, CACHE_URL=url), f"user:{secrets.token_hex(4)}")
    assert {r["backend"] for r in results} == {"django.core.cache.backends.redis.RedisCache"}
    assert sum(int(r["allowed"]) for r in results) == 60  # type: ignore[call-overload]


@pytest.mark.parametrize("url", ["locmem://", "dummy://"])
def test_a_per_process_cache_is_refused_with_debug_off(tmp_path: Path, url: str):
    result = _run(["manage.py", "check"], _env(tmp_path, CACHE_URL=url))
    assert result.returncode != 0 and "CACHE_URL" in result.stderr


def test_a_per_process_cache_is_allowed_in_debug(tmp_path: Path):
    result = _run(["manage.py", "check"], _env(tmp_path, CACHE_URL="locmem://", DJANGO_DEBUG="1"))
    assert result.returncode == 0, result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_two_processes_share_one_limit_in_the_postgresql_cache(tmp_path: Path, postgres_only: None):
    from django.db import connection

    params = connection.settings_dict
    url = (f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST'] or '127.0.0.1'}:"
           f"{params['PORT'] or 5432}/{params['NAME']}")
    env = _env(tmp_path, DATABASE_URL=url)
    made = _run(["manage.py", "createcachetable"], env)
    assert made.returncode == 0, made.stderr
    results = _two_processes_count(env, f"user:{secrets.token_hex(4)}")
    assert sum(int(r["allowed"]) for r in results) == 60  # type: ignore[call-overload]
