"""The real parts a fault test starts: a private PostgreSQL with a migrated template database (made
once per test session, since migrating takes half a minute), a private Redis, Celery workers and
gunicorn as subprocesses on those servers, and scripts run with Django against them.

The test process never connects Django to the private servers; it reads results with psycopg. Every
wait is bounded (`wait_until` polls another process with a deadline and fails with a message).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.servers import PrivatePostgres, free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
TEMPLATE = "app_template"
# config/__init__ (the Celery app) reads the settings: import it before Django loads our settings module
MANAGE = "import sys, config; from django.core.management import execute_from_command_line; " \
         "execute_from_command_line(['manage.py', *sys.argv[1:]])"
SECRET = "fault-test-secret-key-0123456789-abcdefghijklmnop"


def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    """Polls `predicate` (the state of another process) until it is truthy; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class Cluster:
    """A private PostgreSQL cluster holding a migrated template; `database()` copies it (0.3 s)."""

    def __init__(self) -> None:
        self.pg = PrivatePostgres()
        try:
            self.pg.start()
            url = self.pg.create_database(TEMPLATE)
            result = subprocess.run([PY, "-c", MANAGE, "migrate", "--no-input", "-v", "0"], cwd=ROOT,
                                    env=app_env(url), capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                raise RuntimeError(f"migrate failed: {result.stderr[-3000:]}")
        except BaseException:
            self.pg.destroy()
            raise

    def ensure_running(self) -> None:
        try:
            psycopg.connect(self.pg.url, connect_timeout=2).close()
        except psycopg.OperationalError:
            self.pg.start()

    def database(self) -> str:
        self.ensure_running()
        name = f"fault_{uuid.uuid4().hex[:10]}"
        self.pg._run([_pg("createdb"), "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres", "-T",
                      TEMPLATE, name])
        return f"postgres://postgres@127.0.0.1:{self.pg.port}/{name}"

    def destroy(self) -> None:
        self.pg.destroy()


def _pg(name: str) -> str:
    from tests.servers import pg_bin

    return pg_bin(name) or name


def app_env(database_url: str, broker_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a production process of ours on the private servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "CACHE_URL"))}
    env.update({"DJANGO_SETTINGS_MODULE": "tests.faults.fault_settings", "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": broker_url, "DJANGO_DEBUG": "0", "DJANGO_HTTPS": "0",
                "DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "60", "PYTHONUNBUFFERED": "1", **extra})
    return env


def script(env: dict[str, str], code: str, timeout: float = 120) -> Any:
    """Runs `code` with Django set up in a subprocess; it prints its result as JSON on the last line."""
    prelude = "import config, django, json\ndjango.setup()\n"
    result = subprocess.run([PY, "-c", prelude + code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"script failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def rows(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        return list(conn.execute(query, params).fetchall())


def one(url: str, query: str, params: tuple[Any, ...] = ()) -> Any:
    return rows(url, query, params)[0][0]


class Process:
    """A subprocess in its own process group, its output in a file; kill9() kills the whole group."""

    def __init__(self, cmd: list[str], env: dict[str, str], name: str) -> None:
        self.log = Path(tempfile.mkstemp(prefix=f"{name}-", suffix=".log")[1])
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")

    def kill9(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 10) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
        try:  # leftover pool children of a killed main process
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._out.close()
        self.log.unlink(missing_ok=True)

    def children(self) -> set[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.pid)], capture_output=True, text=True)
        return {int(p) for p in out.stdout.split()}


def worker(env: dict[str, str], *, concurrency: int = 2, name: str = "w", queues: str = "celery") -> Process:
    """A Celery worker (prefork) on the fault app (short visibility timeout); waits until it is ready."""
    proc = Process([PY, "-m", "celery", "-A", "tests.faults.worker_app", "worker", "-c", str(concurrency),
                    "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h", "-Q", queues, "--without-gossip", "--without-mingle",
                    "--without-heartbeat", "-l", "INFO"], env, "worker")
    wait_until(lambda: "ready." in proc.output() or not proc.alive(), timeout=60, what="the worker to start")
    assert proc.alive(), proc.output()[-3000:]
    return proc


def gunicorn(env: dict[str, str], *, workers: int = 2, threads: int = 4) -> tuple[Process, int]:
    port = free_port()
    proc = Process([PY, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                    "--workers", str(workers), "--threads", str(threads), "config.wsgi"],
                   {**env, "WEB_TIMEOUT": "30"}, "gunicorn")
    wait_for_port(port, timeout=60)
    wait_until(lambda: len(proc.children()) >= workers, timeout=30, what="gunicorn's workers")
    return proc, port


def send(broker_url: str, task: str, *args: Any, queue: str = "celery") -> None:
    """Publishes a task by name, as beat or another node would."""
    from celery import Celery

    app = Celery("fault-publisher", broker=broker_url)
    with app.connection_for_write() as conn:
        app.send_task(task, args=list(args), queue=queue, connection=conn)


def stack_cleanup(*processes: Process | None) -> None:
    for proc in processes:
        if proc is not None:
            proc.stop()


def server_errors(output: str) -> list[str]:
    """Lines of a server's output that report a failure: a JSON log line at ERROR or above (except
    Django's line for each 503, the outage answer), or an access-log line of an HTTP 500."""
    found = []
    for line in output.splitlines():
        if '" 500 ' in line:
            found.append(line)
            continue
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") in ("ERROR", "CRITICAL") and entry.get("status_code") != 503:
                found.append(line)
    return found
