"""The app's settings, read at call time (so tests can override them) with their defaults.

NOTIFICATIONS_CHANNELS        {channel name: dotted path of a `Channel` class}; e-mail and SMS by default
NOTIFICATIONS_MAX_ATTEMPTS    attempts per outbox message before it is DEAD (default 5)
NOTIFICATIONS_RETRY_SECONDS   first retry delay; doubles per attempt up to NOTIFICATIONS_RETRY_MAX_SECONDS
NOTIFICATIONS_LEASE_SECONDS   how long a claimed message is left to its sender before another may retry it;
                              above the delivery task's hard time limit (a killed worker's message waits this long)
NOTIFICATIONS_SWEEP_BATCH     messages per sweep run (default 200)
NOTIFICATIONS_BROKER_URL      publish delivery tasks to this broker instead of the app's (tests point it at an
                              unreachable one to prove a dead broker never fails a request)
SMS_GATEWAY                   dotted path of the `SmsGateway` class (default: the console gateway)
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

DEFAULT_CHANNELS = {
    "email": "booking.notifications.channels.EmailChannel",
    "sms": "booking.notifications.channels.SmsChannel",
}


def channels() -> dict[str, str]:
    return dict(getattr(settings, "NOTIFICATIONS_CHANNELS", DEFAULT_CHANNELS))


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5))


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff after the `attempts`-th failed attempt (1 → the base delay)."""
    base = float(getattr(settings, "NOTIFICATIONS_RETRY_SECONDS", 60))
    cap = float(getattr(settings, "NOTIFICATIONS_RETRY_MAX_SECONDS", 3600))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "NOTIFICATIONS_LEASE_SECONDS", 300)))


def sweep_batch() -> int:
    return int(getattr(settings, "NOTIFICATIONS_SWEEP_BATCH", 200))


def broker_url() -> str:
    return str(getattr(settings, "NOTIFICATIONS_BROKER_URL", "") or "")


def sms_gateway() -> str:
    return str(getattr(settings, "SMS_GATEWAY", "booking.notifications.channels.ConsoleSmsGateway"))


def outbox_keep_days() -> int:
    return int(getattr(settings, "NOTIFICATIONS_OUTBOX_KEEP_DAYS", 30))
