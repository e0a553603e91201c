"""The capacity counters: the only code that changes `Slot.booked`/`held` and `QuotaSlot.used`
for bookings (docs/ARCHITECTURE.md "Capacity and quota", docs/ARCHITECTURE.md).

- Open booking: `UPDATE slot SET booked = booked + q WHERE id = … AND booked + held + q <= capacity`;
  no row updated means FULL.
- Quota booking: `UPDATE quota_slot SET used = used + q WHERE … AND NOT released AND used + q <= amount`,
  then `UPDATE slot SET booked = booked + q, held = held - q` (booked + held unchanged).
Callers run these last in their transaction, over several slots in ascending (resource, start) order.

`with_retries()` re-runs a whole service transaction after a deadlock or serialization failure, or a
check-in code clash (bounded), so none reaches the user as a 500.

Test-only: `settings.BOOKING_TEST_UNGUARDED = True` replaces the conditional UPDATE with a read,
a pause of `BOOKING_TEST_PAUSE` seconds and an unconditional write — the race the guard prevents
(the control run of the concurrency tests). Never set outside tests.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError
from django.db.models import BigIntegerField, F, IntegerField

from booking.models import QuotaSlot, Slot
from core.db.prepared import Param, Prepared

from .live import slots_changed

T = TypeVar("T")
RETRY_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
MAX_ATTEMPTS = 4


# booked += quantity where it fits beside booked and held; compiled once (core/db/prepared.py)
TAKE_OPEN = Prepared(lambda _: Slot.objects.filter(
    pk=Param("slot", BigIntegerField()), closed=False,
    booked__lte=F("capacity") - F("held") - Param("quantity", IntegerField())),
    updates=lambda _: {"booked": F("booked") + Param("quantity", IntegerField())})


def take_open(slot_id: int, quantity: int, *, where: tuple[int, dt.datetime] | None = None) -> bool:
    """booked += quantity if it fits beside booked and held; False means FULL. `where` is the slot's
    (resource id, start) when the caller knows it (the live update then needs no read)."""
    if getattr(settings, "BOOKING_TEST_UNGUARDED", False):
        return _take_unguarded(slot_id, quantity)
    taken = TAKE_OPEN.update(None, {"slot": slot_id, "quantity": quantity}) == 1
    if taken:
        slots_changed([slot_id], known={slot_id: where} if where else None)
    return taken


def _take_unguarded(slot_id: int, quantity: int) -> bool:
    slot = Slot.objects.get(pk=slot_id)
    if slot.booked + slot.held + quantity > slot.capacity:
        return False
    pause = float(getattr(settings, "BOOKING_TEST_PAUSE", 0))
    if pause:
        time.sleep(pause)  # test-only: widens the read-write gap the guard closes
    Slot.objects.filter(pk=slot_id).update(booked=slot.booked + quantity)
    slots_changed([slot_id])
    return True


def take_quota(quota_slot_id: int, slot_id: int, quantity: int) -> bool:
    """Draws `quantity` from an unreleased quota slot; False when it has not enough left."""
    drawn = QuotaSlot.objects.filter(pk=quota_slot_id, released=False,
                                     used__lte=F("amount") - quantity).update(used=F("used") + quantity)
    if drawn != 1:
        return False
    Slot.objects.filter(pk=slot_id).update(booked=F("booked") + quantity, held=F("held") - quantity)
    slots_changed([slot_id])
    return True


def give_back(*, slot_id: int, quantity: int, quota_slot_id: int | None) -> None:
    """Undoes a counted booking: booked -= quantity; a quota booking returns its place to the quota
    while the quota is unreleased (held += quantity), else to open capacity."""
    slots_changed([slot_id])
    if quota_slot_id is not None:
        qs = QuotaSlot.objects.select_for_update().filter(pk=quota_slot_id).first()
        if qs is not None:
            QuotaSlot.objects.filter(pk=qs.pk).update(used=F("used") - quantity)
            if not qs.released:
                Slot.objects.filter(pk=slot_id).update(booked=F("booked") - quantity, held=F("held") + quantity)
                return
    Slot.objects.filter(pk=slot_id).update(booked=F("booked") - quantity)


class CodeClash(Exception):
    """A random check-in code collided with another on the slot: run the transaction again."""


def is_retryable(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code in RETRY_SQLSTATES


def with_retries(fn: Callable[[], T], attempts: int = MAX_ATTEMPTS) -> T:
    """Runs `fn` (one whole transaction) again after a deadlock or serialization failure."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except CodeClash:
            if attempt == attempts:
                raise
            continue
        except OperationalError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(0.01 * attempt)  # back off before the retry, not a synchronisation
    raise AssertionError("unreachable")
