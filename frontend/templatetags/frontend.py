"""Template filters: API values (ISO strings, enum names, global IDs) to what people read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django import template
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from frontend import labels
from frontend.operations import slug as to_slug
from frontend.timeutil import parse_date, parse_datetime

register = template.Library()


@register.filter
def when(value: str | None) -> dt.datetime | None:
    """An ISO DateTime from the API as an aware datetime (the `date` filter then formats it)."""
    return parse_datetime(value) if value else None


@register.filter
def day(value: str | None) -> dt.date | None:
    return parse_date(value) if value else None


@register.filter
def label(value: Any, table: str) -> Any:
    return labels.ALL[table].get(str(value), value)


@register.filter
def weekdays(value: list[int] | None) -> str:
    days = sorted(value or [])
    if days == list(range(7)):
        return str(labels.WEEKDAY_PATTERN["EVERY_DAY"])
    if days == list(range(5)):
        return str(labels.WEEKDAY_PATTERN["WEEKDAYS"])
    separator = "、" if get_language().startswith("zh") else ", "
    return separator.join(str(labels.WEEKDAY_SHORT[d]) for d in days if 0 <= d <= 6)


@register.filter
def weekday_name(value: int) -> str:
    return str(labels.WEEKDAY_SHORT[int(value)])


@register.filter
def slug(value: str) -> str:
    return to_slug(value)


@register.filter
def percent(value: float | str | None) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def qr_svg(value: str | None) -> SafeString:
    """An inline SVG QR code of `value` (the 6-digit check-in code) for the gate's scanner.

    A standard QR code (`make_qr`; segno's `make` picks a Micro QR for six digits, which many scanners
    don't read), version 1 (21 modules) with the highest error correction that fits and the full quiet
    zone of four modules; the page draws it 224 px wide, 7.7 px a module."""
    if not value:
        return mark_safe("")
    code = segno.make_qr(value, error="m", boost_error=True)
    svg = code.svg_inline(scale=8, border=4, dark="#000", light="#fff", omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own SVG of a code we generated


@register.filter
def distance(value: int | None) -> str:
    if value is None:
        return ""
    return f"{value} m" if value < 1000 else f"{value / 1000:.1f} km"


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def number(value: Any) -> str:
    """An integer with thousands separators (65,142); other values as they are."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)


@register.filter
def longdate(value: dt.date | dt.datetime | str | None) -> str:
    """The one date style of running text: 2026年12月2日 in Chinese, 2 Dec 2026 in English."""
    if isinstance(value, str):
        value = parse_date(value[:10])
    if value is None:
        return ""
    if _zh():
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%b')} {value.year}"


@register.filter
def shortdate(value: dt.date | dt.datetime | str | None) -> str:
    """The date style of lists and slots: 12月2日（周三） in Chinese, Wed 2 Dec in English."""
    if isinstance(value, str):
        value = parse_datetime(value) if "T" in value else parse_date(value)
    if value is None:
        return ""
    weekday = str(labels.WEEKDAY_SHORT[value.weekday()])
    if _zh():
        return f"{value.month}月{value.day}日（{weekday}）"
    return f"{weekday} {value.day} {value.strftime('%b')}"


@register.filter
def timespan(begins: dt.datetime | None, ends: dt.datetime | None) -> str:
    """18:00–20:00, or 19:00–次日 07:30 when it ends on a later day."""
    if begins is None:
        return ""
    text = begins.strftime("%H:%M")
    if ends is None:
        return text
    later = ends.date() > begins.date()
    return f"{text}–{gettext('next day') + ' ' if later else ''}{ends.strftime('%H:%M')}"


@register.simple_tag
def live_stream_url() -> str:
    """Where live updates are served (settings.LIVE_STREAM_URL); empty when no stream process serves them."""
    return str(getattr(settings, "LIVE_STREAM_URL", ""))


# One meaning per number: a resource's capacity, a window's and a proposal's quantity say what they count.
@register.filter
def capacity_text(resource: Any) -> str:
    """What a resource holds per time block: "40 places per time block"; a hall (EXCLUSIVE) holds N
    people but takes one booking per time block."""
    n = int(resource.get("capacity") or 0)
    if resource.get("bookingMode") == "EXCLUSIVE":
        return ngettext("Holds %(n)s person · one booking per time block",
                        "Holds %(n)s people · one booking per time block", n) % {"n": n}
    return ngettext("%(n)s place per time block", "%(n)s places per time block", n) % {"n": n}


@register.filter
def window_capacity(window: Any, resource: Any) -> str:
    """An opening-hours window's capacity on the resource page, in the words of `capacity_text`."""
    if resource.get("bookingMode") == "EXCLUSIVE":
        return gettext("one booking per time block")
    n = int(window.get("capacity") or resource.get("capacity") or 0)
    return ngettext("%(n)s place per time block", "%(n)s places per time block", n) % {"n": n}


@register.filter
def amount(quantity: Any, category: str) -> str:
    """A need's or a proposal's quantity in its own unit: diners, cars, people; a hall's is the size of
    the group using the whole hall (one booking per time block)."""
    n = int(quantity or 0)
    if category == "CANTEEN":
        return ngettext("%(n)s diner", "%(n)s diners", n) % {"n": n}
    if category == "PARKING":
        return ngettext("%(n)s car", "%(n)s cars", n) % {"n": n}
    if category == "HALL":
        return ngettext("a group of %(n)s, the whole hall", "a group of %(n)s, the whole hall", n) % {"n": n}
    return ngettext("%(n)s person", "%(n)s people", n) % {"n": n}
