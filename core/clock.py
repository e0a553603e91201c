"""The district clock: one time zone (settings.TIME_ZONE, Asia/Shanghai) and one source of "now".

Services take an injectable `now` (`current(now)`); a GraphQL operation takes its moment from `now()`
once (`core.graphql.context`), so every resolver of one request sees the same instant. Local dates and
wall-clock times are in the district's zone; the database stores UTC.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_current: list[ZoneInfo] = []  # the zone of settings.TIME_ZONE, read once (a response serialises hundreds)


def tz() -> ZoneInfo:
    """The district's zone (settings.TIME_ZONE)."""
    if not _current:
        _current.append(_zone(settings.TIME_ZONE))
    return _current[0]


@receiver(setting_changed)
def _time_zone_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "TIME_ZONE":
        _current.clear()


def now() -> dt.datetime:
    """The current moment (aware, UTC); tests replace it to control time."""
    return timezone.now()


def current(moment: dt.datetime | None) -> dt.datetime:
    """`moment` if given, else now()."""
    return moment if moment is not None else now()


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(tz()).date()


def local(moment: dt.datetime) -> dt.datetime:
    """The same instant in the district's zone."""
    return moment.astimezone(tz())


def at(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware moment of a local wall-clock time on a local day."""
    return dt.datetime.combine(day, time, tzinfo=tz())
