"""The one place booking calls the notifications app (`booking.notifications.services.notify`).

Called inside the booking transaction with a unique key per effect (docs/ARCHITECTURE.md I5), so a retried
or replayed transaction never tells twice. While the notifications app is not installed the call is a
no-op (logged), so booking works on its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import logging
from typing import Any

from booking.models import Booking

log = logging.getLogger(__name__)


@functools.cache
def _notifications() -> Any:
    try:
        return importlib.import_module("booking.notifications.services")
    except ModuleNotFoundError:
        return None


def tell(*, booking: Booking, kind: str, effect: str, params: dict[str, Any] | None = None,
         now: dt.datetime | None = None) -> None:
    """Notifies the booking's owner of `kind`; key f"booking:{id}:{effect}"."""
    module = _notifications()
    if module is None:
        log.debug("notifications app missing; %s for booking %s not sent", kind, booking.pk)
        return
    module.notify(user=booking.user, kind=kind, key=f"booking:{booking.pk}:{effect}", booking=booking,
                  params=params or {}, now=now)
