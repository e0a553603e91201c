"""Check-in codes are six digits: a staff member may miss 20 times in 10 minutes (a typo, a code of
another day), then every code look-up of theirs, `unitBookings(search:)` with a code and `checkIn`,
is refused with RATE_LIMITED until 10 minutes after the 20th miss. Per staff member, so the
colleague at the next gate carries on; shared by every process (marketplace.services.throttle)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ErrorCode, ServiceError
from marketplace.models import User
from marketplace.services import throttle

MISSES = int(getattr(settings, "CHECK_IN_CODE_MISSES", 20))
WINDOW = dt.timedelta(minutes=10)


def looks_like_code(text: str) -> bool:
    text = text.strip()
    return len(text) == 6 and text.isascii() and text.isdigit()


def _key(user: User) -> str:
    return f"check-in-code:{user.pk}"


def refuse_if_held(user: User, *, now: dt.datetime) -> None:
    """Raises RATE_LIMITED (with `until`) while this staff member is held back."""
    until = throttle.blocked_until(_key(user), now=now)
    if until is not None:
        raise ServiceError.of(ErrorCode.RATE_LIMITED, _("Too many wrong check-in codes; try again later."),
                              "code", until=until)


def missed(user: User, *, now: dt.datetime) -> None:
    throttle.miss(_key(user), limit=MISSES, window=WINDOW, now=now)
