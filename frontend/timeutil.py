"""Local time of the district and the API's ISO formats."""

from __future__ import annotations

import datetime as dt

from core.clock import now as clock_now
from core.clock import tz


def now() -> dt.datetime:
    return clock_now().astimezone(tz())


def today() -> dt.date:
    return now().date()


# Days the pages accept from an address or a form: the service's calendar, not the end of time (a day
# like 9999-12-31 overflows the first "+ 1 day"; 0001-01-01 has no offset to convert).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def parse_datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
        if not FIRST_DAY <= parsed.date() <= LAST_DAY:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz())
        return parsed.astimezone(tz())
    except (TypeError, ValueError, OverflowError):
        return None


def parse_date(value: str) -> dt.date | None:
    try:
        parsed = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if FIRST_DAY <= parsed <= LAST_DAY else None


def iso(value: dt.datetime) -> str:
    """A DateTime input with its offset, as the API requires."""
    return value.astimezone(tz()).isoformat(timespec="seconds")


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz())


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
