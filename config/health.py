"""`/healthz` answers while the process lives; `/readyz` checks the database and reports the broker
without gating on it (bookings go on while the broker is down)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from config.celery import app


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _broker_state() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "down"; it is reported, not raised
        return "down"


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - the database being unreachable is the answer, not an error
        response = JsonResponse({"status": "unavailable", "database": "down", "broker": _broker_state()},
                                status=503)
        response["Retry-After"] = "5"
        return response
    return JsonResponse({"status": "ok", "database": "ok", "broker": _broker_state()})
