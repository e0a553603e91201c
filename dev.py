#!/usr/bin/env python3
"""The two commands of the README, on a fresh machine with only Python 3.11:

    python3 dev.py run     install, migrate, load the demo district, serve it with a Celery worker + beat
    python3 dev.py test    install what the tests need and run lint, type checks and the whole suite

Both keep a virtual environment in `.venv/` and reinstall only when a requirements file changed, so
the second run is fast. Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
DEMO_LOGINS = (
    ("demo-resident", "resident of the first community of 西长安街 / 居民"),
    ("demo-unit", "unit admin / 单位管理员"),
    ("demo-gate", "unit staff (gate, kitchen) / 单位门岗、厨房"),
    ("demo-worker", "community worker / 社区工作者"),
    ("demo-staff", "district staff / 区级工作人员 (also /admin/)"),
)
# Time budget per stage of the test command, in seconds (the whole CI stays under 20 minutes).
BUDGETS = {"install": 600, "ruff": 60, "mypy": 300, "imports": 120, "browsers": 300, "sqlite": 1800, "postgres": 1800}


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(cmd: list[str], *, env: dict[str, str] | None = None, budget: str | None = None,
        check: bool = True) -> int:
    timeout = BUDGETS.get(budget) if budget else None
    started = time.monotonic()
    try:
        code = subprocess.run(cmd, cwd=ROOT, env=env, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        say(f"{budget} exceeded its time budget of {timeout} s")
        sys.exit(1)
    if budget:
        say(f"{budget}: {time.monotonic() - started:.1f} s")
    if check and code != 0:
        sys.exit(code)
    return code


def ensure_venv(requirements: str) -> None:
    """Creates .venv and installs `requirements` unless the same files were installed already."""
    if sys.version_info[:2] != (3, 11):
        say(f"warning: this project is built for Python 3.11; you run {sys.version.split()[0]}")
    if not PY.exists():
        say("creating the virtual environment in .venv")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    digest = hashlib.sha256()
    for name in sorted({requirements, "requirements.txt"}):
        digest.update((ROOT / name).read_bytes())
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    say(f"installing {requirements} (first run or changed requirements)")
    run([str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements],
        budget="install")
    stamp.write_text(digest.hexdigest())


def manage(*args: str, env: dict[str, str], check: bool = True) -> int:
    return run([str(PY), "manage.py", *args], env=env, check=check)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- run ------------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> None:
    ensure_venv("requirements.txt")
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1"),
           "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "filesystem://")}
    (ROOT / "var").mkdir(exist_ok=True)
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("collectstatic", "--no-input", "-v", "0", env=env)
    if manage("load_demo", env=env, check=False) != 0:
        say("the demo district was not loaded (see the message above); serving the database as it is")
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "config", "worker", "--beat", "--concurrency", "1", "--loglevel", "WARNING",
         "--schedule", str(ROOT / "var" / "celerybeat-schedule")],
        cwd=ROOT, env=env, start_new_session=True)
    # One ASGI process serves the pages, /graphql/ and the live updates' stream (/graphql/stream); the
    # worker publishes match-run progress and notifications to it through the SQLite event log in var/.
    server = subprocess.Popen([str(PY), "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
                               "--port", str(args.port), "--timeout-graceful-shutdown", "3"],
                              cwd=ROOT, env=env, start_new_session=True)
    print()
    say(f"the demo runs at http://127.0.0.1:{args.port}/   (admin: http://127.0.0.1:{args.port}/admin/)")
    say("demo logins, password 'demo':")
    for name, role in DEMO_LOGINS:
        print(f"      {name:<14} {role}")
    say("Ctrl-C stops the server and the worker")
    try:
        while worker.poll() is None and server.poll() is None:
            time.sleep(0.5)
        say("a process ended; stopping the other")
    except KeyboardInterrupt:
        print()
    finally:
        for proc in (server, worker):
            if proc.poll() is None:
                proc.terminate()  # the worker's warm shutdown stops its pool children itself
        for proc in (server, worker):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        say("stopped")


# --- test -----------------------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")


def has_cjk_font() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(out.strip())


def ensure_browsers() -> None:
    """The browser tests drive Debian's Chromium with a CJK font (without one, Chinese renders as boxes).
    Installed with apt-get when we are root and they are missing; otherwise those tests skip."""
    if CHROMIUM.exists() and has_cjk_font():
        return
    if os.name != "posix" or os.geteuid() != 0 or not Path("/usr/bin/apt-get").exists():
        say("Chromium or a CJK font is missing and apt-get is not usable here: the browser tests will skip")
        return
    say("installing Chromium and a CJK font for the browser tests (apt-get)")
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    started = time.monotonic()
    try:
        subprocess.run(["apt-get", "update", "-qq"], env=apt_env, timeout=BUDGETS["browsers"], check=False)
        remaining = max(30, BUDGETS["browsers"] - (time.monotonic() - started))
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-noto-cjk"],
                       env=apt_env, timeout=remaining, check=False)
    except subprocess.TimeoutExpired:
        say("browsers exceeded its time budget; the browser tests may skip")
    say(f"browsers: {time.monotonic() - started:.1f} s")


def cmd_test(args: argparse.Namespace) -> None:
    ensure_venv("requirements-dev.txt")
    ensure_browsers()
    require = os.environ.get("REQUIRE_SERVICES") == "1"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    env["SQLITE_PATH"] = str(ROOT / "var" / "test.sqlite3")
    (ROOT / "var").mkdir(exist_ok=True)
    if not args.pytest_args:
        run([str(BIN / "ruff"), "check", "."], env=env, budget="ruff")
        run([str(BIN / "mypy"), "."], env=env, budget="mypy")
        run([str(BIN / "lint-imports")], env={**env, "PYTHONPATH": str(ROOT)}, budget="imports")
    say("test suite on SQLite")
    run([str(PY), "-m", "pytest", *(args.pytest_args or [])], env=env, budget="sqlite")

    pg_url = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace")
    host_port = pg_url.split("@")[-1].split("/")[0]
    host, _, port = host_port.partition(":")
    if not port_open(host or "127.0.0.1", int(port or 5432)):
        if require:
            say(f"PostgreSQL is required (REQUIRE_SERVICES=1) but not reachable at {host_port}")
            sys.exit(1)
        say(f"skipping the PostgreSQL pass: nothing listens at {host_port} (set TEST_DATABASE_URL)")
        return
    say(f"tests marked 'postgres' on PostgreSQL at {host_port}")
    code = run([str(PY), "-m", "pytest", "-m", "postgres", *(args.pytest_args or [])],
               env={**env, "DATABASE_URL": pg_url}, budget="postgres", check=False)
    if code == 5 and args.pytest_args:  # a filtered run selected no postgres test: not a failure
        return
    if code != 0:
        sys.exit(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="serve the demo district with a Celery worker and beat")
    p_run.add_argument("--port", type=int, default=8000)
    p_run.set_defaults(func=cmd_run)
    p_test = sub.add_parser("test", help="lint, type-check and run the whole test suite")
    p_test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments (skips lint)")
    p_test.set_defaults(func=cmd_test)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
