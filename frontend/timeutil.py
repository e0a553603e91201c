"""Local time of the district and the API's ISO formats."""

from __future__ import annotations

import datetime as dt

from core.clock import now as clock_now
from core.clock import tz


def now() -> dt.datetime:
    return clock_now().astimezone(tz())


def today() -> dt.date:
    return now().date()


def parse_datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz())
    return parsed.astimezone(tz())


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def iso(value: dt.datetime) -> str:
    """A DateTime input with its offset, as the API requires."""
    return value.astimezone(tz()).isoformat(timespec="seconds")


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz())


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
