"""Local time of the district and the contract's ISO formats."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

ZONE = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now().astimezone(ZONE)


def today() -> dt.date:
    return now().date()


def parse_datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZONE)
    return parsed.astimezone(ZONE)


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def iso(value: dt.datetime) -> str:
    """A DateTime input with its offset, as the contract requires."""
    return value.astimezone(ZONE).isoformat(timespec="seconds")


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZONE)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
