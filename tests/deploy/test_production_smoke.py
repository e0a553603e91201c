"""Production smoke test (issue 11, item 16): a virtual environment made from requirements.txt
alone, as docs/DEPLOY.md makes it, runs gunicorn, one Celery worker and beat on PostgreSQL and Redis;
one booking goes through /graphql/ and one match run through the worker.

The environment is cached outside the work tree, in `~/.cache/marketplace/venv-prod-<hash of
requirements.txt>` (`PROD_VENV_CACHE` moves it), so CI, which runs in a fresh clone, pays for the
install once per requirements.txt; an older one is removed when a new one is made. Without the
`celery[redis]`/`kombu[redis]` extra the worker cannot start on Redis (kombu's Redis transport
imports `packaging`), and this test fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("PROD_VENV_CACHE", Path.home() / ".cache" / "marketplace"))
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def production_venv() -> Path:
    """A virtual environment with requirements.txt alone installed, made once per requirements.txt."""
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    VENV = CACHE / f"venv-prod-{digest[:16]}"
    stamp = VENV / ".requirements-sha256"
    if stamp.exists() and stamp.read_text().strip() == digest and (VENV / "bin" / "python").exists():
        return VENV
    for old in CACHE.glob("venv-prod-*"):
        shutil.rmtree(old, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=300)
    installed = subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                                "-q", "-r", str(ROOT / "requirements.txt")], capture_output=True, text=True,
                               timeout=1500)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    stamp.write_text(digest)
    return VENV


def _post(url: str, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 - our local server
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own local server
        return dict(json.loads(response.read()))


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    import psycopg

    name = f"mk_smoke_{secrets.token_hex(4)}"
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_a_production_install_books_and_matches_on_postgresql_and_redis(tmp_path: Path, postgres_only: None,
                                                                          redis_url: str) -> None:
    from django.db import connection

    venv = production_venv()
    bin_ = venv / "bin"
    p = connection.settings_dict
    server = (f"postgres://{p['USER']}:{p['PASSWORD'] or ''}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/"
              f"{p['NAME']}")
    redis_base = redis_url.rsplit("/", 1)[0]
    port = free_port()
    logs: list[Path] = []
    with fresh_database(server) as database_url:
        # the environment docs/DEPLOY.md sets ("One machine, several processes")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "CELERY_", "PYTHONPATH", "VIRTUAL_ENV"))}
        env.update({"DATABASE_URL": database_url, "CELERY_BROKER_URL": f"{redis_base}/13",
                    "CACHE_URL": f"{redis_base}/13", "DJANGO_DEBUG": "0", "DJANGO_HTTPS": "0",
                    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                    "APP_VAR_DIR": str(tmp_path / "var"), "WEB_CONCURRENCY": "2", "LOG_FORMAT": "plain"})

        def manage(*args: str) -> str:
            done = subprocess.run([str(bin_ / "python"), "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=600)
            assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
            return done.stdout

        manage("migrate", "--no-input", "-v", "0")
        manage("load_demo", "--scale", "0.05", "-v", "0")
        resident_token = manage("issue_token", "demo-resident").strip()
        staff_token = manage("issue_token", "demo-staff").strip()

        commands = {
            "web": [str(bin_ / "gunicorn"), "-c", "config/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                    "config.wsgi"],
            "worker": [str(bin_ / "celery"), "-A", "config", "worker", "--concurrency", "1",
                       "--hostname", f"smoke-{port}@%h", "--loglevel", "INFO"],
            "beat": [str(bin_ / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
                     "--schedule", str(tmp_path / "celerybeat-schedule")],
        }
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for name, command in commands.items():
                log = tmp_path / f"{name}.log"
                logs.append(log)
                procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"),
                                              stderr=subprocess.STDOUT))
            wait_for_port(port, timeout=60)
            url = f"http://127.0.0.1:{port}"
            with urllib.request.urlopen(url + "/readyz", timeout=30) as ready:  # noqa: S310
                assert json.loads(ready.read())["database"] == "ok"

            # one booking through /graphql/
            now = dt.datetime.now(dt.UTC)
            found = _post(url + "/graphql/", """query($from: DateTime!, $to: DateTime!) {
                resources(category: CANTEEN, first: 20) { edges { node { id
                  slots(from: $from, to: $to) { start remaining } } } } }""",
                          {"from": (now + dt.timedelta(days=1)).isoformat(),
                           "to": (now + dt.timedelta(days=8)).isoformat()}, resident_token)
            assert "errors" not in found, found
            booked = None
            for edge in found["data"]["resources"]["edges"]:
                for slot in edge["node"]["slots"]:
                    if slot["remaining"] > 0:
                        answer = _post(url + "/graphql/", """mutation($r: ID!, $s: DateTime!) {
                            bookSlot(input: {resourceId: $r, start: $s}) { booking { id status } errors { code } } }""",
                                       {"r": edge["node"]["id"], "s": slot["start"]}, resident_token)
                        if answer["data"]["bookSlot"]["booking"]:
                            booked = answer["data"]["bookSlot"]["booking"]
                            break
                if booked:
                    break
            assert booked is not None and booked["status"] in ("CONFIRMED", "PENDING")

            # one match run through the worker
            started = _post(url + "/graphql/", """mutation { runMatching(input: {horizonDays: 7}) {
                matchRun { id status } errors { code message } } }""", {}, staff_token)
            run = started["data"]["runMatching"]["matchRun"]
            assert run is not None, started
            deadline = time.monotonic() + 300
            status = run["status"]
            while status not in ("SUCCEEDED", "FAILED") and time.monotonic() < deadline:
                assert all(proc.poll() is None for proc in procs), "a process died"
                time.sleep(1)  # polling a run's status, as a client would
                polled = _post(url + "/graphql/", "query($id: ID!) { node(id: $id) { ... on MatchRun { status } } }",
                               {"id": run["id"]}, staff_token)
                status = polled["data"]["node"]["status"]
            assert status == "SUCCEEDED"
        except (AssertionError, urllib.error.URLError, TimeoutError) as exc:
            tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs
                              if log.exists())
            raise AssertionError(f"{exc}\n{tails}") from exc
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
