"""Title and message of a notification, rendered when read, in the active language.

Texts are gettext msgids in English (the zh-hans catalogue translates them); the parameters come
from `Notification.params`, written by whoever called `notify`. Parameters by kind:

    booking kinds         resource (name), start (datetime), reason (optional: rejection, cancellation,
                          closure), code (optional: the check-in code); `services.booking_params`
                          fills these from the booking
    WAITLIST_PROMOTED     variant "pending" when the promoted booking awaits approval
    ALLOCATION_PROPOSED   count (allocations proposed to the unit), run
    ALLOCATION_DECIDED    resource (name), need (title), accepted (bool; false → variant "declined")
    NEED_UPDATED          need (title)

Rendering never raises for missing or odd parameters: a missing one renders empty, so a notice
written by an older version still reads.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from .models import NotificationKind as K

if TYPE_CHECKING:
    from .models import Notification

# (kind, variant) → (title, message)
TEXTS: dict[tuple[str, str], tuple[Promise, Promise]] = {
    (K.BOOKING_CONFIRMED, ""): (_("Booking confirmed"),
                                _("Your booking at %(resource)s on %(start)s is confirmed.")),
    (K.BOOKING_APPROVED, ""): (_("Booking approved"),
                               _("Your booking at %(resource)s on %(start)s was approved.")),
    (K.BOOKING_REJECTED, ""): (_("Booking not approved"),
                               _("Your booking at %(resource)s on %(start)s was not approved.")),
    (K.WAITLIST_PROMOTED, ""): (_("A place became free"),
                                _("A place became free at %(resource)s on %(start)s: you are booked.")),
    (K.WAITLIST_PROMOTED, "pending"): (
        _("A place became free"),
        _("A place became free at %(resource)s on %(start)s: your booking awaits approval.")),
    (K.BOOKING_CANCELLED, ""): (_("Booking cancelled"),
                                _("Your booking at %(resource)s on %(start)s was cancelled.")),
    (K.SLOT_CLOSED, ""): (_("Closed"),
                          _("%(resource)s is closed on %(start)s, so your booking was cancelled.")),
    (K.REMINDER, ""): (_("Reminder"), _("Your booking at %(resource)s starts on %(start)s.")),
    (K.ALLOCATION_PROPOSED, ""): (
        _("New match proposals"),
        _("The matching proposes %(count)s allocations for your unit. Please accept or decline them.")),
    (K.ALLOCATION_DECIDED, ""): (
        _("Proposal accepted"), _("%(resource)s accepted the proposal for the need %(need)s.")),
    (K.ALLOCATION_DECIDED, "declined"): (
        _("Proposal declined"), _("%(resource)s declined the proposal for the need %(need)s.")),
    (K.NEED_UPDATED, ""): (_("Need updated"), _("The need %(need)s was updated.")),
}
# Optional sentences appended when their parameter is present.
EXTRAS: tuple[tuple[str, Promise], ...] = (
    ("reason", _("Reason: %(reason)s")),
    ("code", _("Check-in code: %(code)s")),
)
DATETIME_PARAMS = frozenset({"start", "end", "until"})


class _Params(dict[str, str]):
    """A missing parameter renders empty instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


def _format_value(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in DATETIME_PARAMS:
        moment: Any = value
        if isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(moment, dt.datetime):
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            if (get_language() or "").startswith("zh"):  # one date style in Chinese text: 12月1日 11:30
                return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
            return moment.strftime("%Y-%m-%d %H:%M")
    if name == "reason":
        return gettext(str(value))  # a system reason is stored as its msgid; a typed one passes through
    return str(value)


def _fill(template: Promise | str, params: _Params) -> str:
    try:
        return str(template) % params
    except (TypeError, ValueError):  # a broken translation must not hide the notice
        return str(template)


def _implied_variant(kind: str, params: dict[str, Any]) -> str:
    if kind == K.ALLOCATION_DECIDED and params.get("accepted") is False:
        return "declined"
    return ""


def render_parts(kind: str, params: dict[str, Any] | None) -> tuple[str, str]:
    """(title, message) for a kind and its parameters, in the active language."""
    params = params or {}
    values = _Params({name: _format_value(name, value) for name, value in params.items()})
    variant = str(params.get("variant") or _implied_variant(kind, params))
    texts = TEXTS.get((kind, variant)) or TEXTS.get((kind, ""))
    if texts is None:
        return kind, ""
    title, message = texts
    text = _fill(message, values)
    gap = "" if get_language().startswith("zh") else " "  # Chinese sentences run on without a space
    for name, extra in EXTRAS:
        if values.get(name):
            text = f"{text}{gap}{_fill(extra, values)}"
    return _fill(title, values), text


def render(notification: Notification) -> tuple[str, str]:
    """(title, message) of a notification in the active language (the request's, or an override)."""
    return render_parts(notification.kind, notification.params)


def recipient_language(user: object) -> str:
    """The language to write to a user in outside channels: their preference once users have one,
    else the site's default (zh-hans)."""
    return str(getattr(user, "language", "") or settings.LANGUAGE_CODE)
