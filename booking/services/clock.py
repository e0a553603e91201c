"""Time helpers: services take an injectable `now`; local dates are Asia/Shanghai (settings.TIME_ZONE)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def current(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(tz()).date()


def at(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware moment of a local wall-clock time on a local day."""
    return dt.datetime.combine(day, time, tzinfo=tz())
