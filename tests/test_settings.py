from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def settings_of(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    code = ("import django, json; from django.conf import settings; django.setup(); "
            "print(json.dumps([settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT, "
            "settings.SECURE_HSTS_SECONDS, settings.LANGUAGE_CODE, settings.TIME_ZONE, "
            "settings.CELERY_TASK_ALWAYS_EAGER, settings.DATABASES['default']['ENGINE']]))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env})


def test_debug_off_refuses_to_start_without_a_secret_key():
    result = settings_of({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_debug_off_refuses_to_start_without_allowed_hosts():
    result = settings_of({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 50})
    assert result.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(("https", "secure"), [("1", True), ("0", False)])
def test_https_decides_secure_cookies_hsts_and_redirect(https, secure):
    result = settings_of({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 50, "DJANGO_ALLOWED_HOSTS": "example.org",
                          "DJANGO_HTTPS": https})
    assert result.returncode == 0, result.stderr
    import json

    debug, cookie, redirect, hsts, lang, tz, eager, _engine = json.loads(result.stdout)
    assert (cookie, redirect, hsts > 0) == (secure, secure, secure)
    assert (debug, lang, tz, eager) == (False, "zh-hans", "Asia/Shanghai", True)


def test_debug_defaults_to_sqlite_with_demo_secrets():
    result = settings_of({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout


def test_no_pending_migrations():
    result = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"})
    assert result.returncode == 0, result.stdout + result.stderr
