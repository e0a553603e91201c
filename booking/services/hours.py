"""Pure expansion of opening windows into occurrences, with the holiday calendar.

This is the same recurrence as the windows' django-scheduler Events (frequency DAILY, `byweekday`),
computed from the plain `OpeningWindow` mirror so that many resources expand in one pass without a
query per event (docs/ARCHITECTURE.md: never expand per row). A test checks both agree.

Holidays (resources with `follows_holiday_calendar`, `chinese-calendar`):
- a public holiday (a statutory day off, also when it falls on a weekend) opens no window;
- a make-up working day (调休, a Saturday or Sunday worked instead) opens the windows that include any
  of Monday to Friday, and not the weekend windows: the day behaves like a working weekday;
- years the package has no data for are treated as ordinary weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

from core.clock import at

WORKDAYS = frozenset(range(5))


@dataclass(frozen=True)
class WindowSpec:
    """One opening window, as the API's OpeningWindowInput (capacity resolved)."""

    weekdays: tuple[int, ...]
    start_time: dt.time
    end_time: dt.time
    ends_next_day: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    capacity: int | None = None
    sex: str = "ANY"
    window_id: int | None = None


@dataclass(frozen=True)
class Occurrence:
    start: dt.datetime
    end: dt.datetime
    window: WindowSpec


@lru_cache(maxsize=4096)
def day_kind(day: dt.date) -> str:
    """"HOLIDAY" (statutory day off), "MAKEUP" (weekend day worked), or "NORMAL"."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return "NORMAL"
    if name is None:
        return "NORMAL"
    if on_holiday:
        return "HOLIDAY"
    return "MAKEUP" if day.weekday() >= 5 else "NORMAL"


def window_opens_on(window: WindowSpec, day: dt.date, follows_holidays: bool) -> bool:
    if window.valid_from and day < window.valid_from:
        return False
    if window.valid_to and day > window.valid_to:
        return False
    if follows_holidays:
        kind = day_kind(day)
        if kind == "HOLIDAY":
            return False
        if kind == "MAKEUP":
            return bool(WORKDAYS.intersection(window.weekdays))
    return day.weekday() in window.weekdays


def occurrence_on(window: WindowSpec, day: dt.date) -> Occurrence:
    start = at(day, window.start_time)
    end_day = day + dt.timedelta(days=1) if window.ends_next_day else day
    return Occurrence(start=start, end=at(end_day, window.end_time), window=window)


def expand(windows: Iterable[WindowSpec], first_day: dt.date, last_day: dt.date,
           follows_holidays: bool) -> Iterator[Occurrence]:
    """Occurrences starting on local days first_day..last_day (inclusive), ordered by start.
    Two windows starting at the same moment yield one occurrence (the first window)."""
    windows = list(windows)
    seen: set[dt.datetime] = set()
    day = first_day
    while day <= last_day:
        todays = [occurrence_on(w, day) for w in windows if window_opens_on(w, day, follows_holidays)]
        for occ in sorted(todays, key=lambda o: o.start):
            if occ.start not in seen:
                seen.add(occ.start)
                yield occ
        day += dt.timedelta(days=1)
