"""Live updates of slots: `slots_changed(ids)` after a change of a slot's booked, held, closed or
capacity. After commit, one query finds each slot's resource and start, and one event per slot goes to
topic `slots:<resource id>` ({"slot": pk, "start": epoch seconds}); slotsChanged subscribers re-read
the slot for their viewer (booking/graphql/subscriptions.py). Never fails the caller."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

from django.db import transaction

from booking.models import Slot
from core.live.publish import publish_now

logger = logging.getLogger("booking.live")


def slots_changed(slot_ids: Iterable[int | None]) -> None:
    ids = sorted({int(pk) for pk in slot_ids if pk is not None})
    if ids:
        transaction.on_commit(functools.partial(_publish, ids), robust=True)


def _publish(ids: list[int]) -> None:
    try:
        rows = list(Slot.objects.filter(pk__in=ids).values_list("pk", "resource_id", "start"))
    except Exception as exc:  # noqa: BLE001 - the change is committed; a missed hint is only a stale view
        logger.warning("live updates: could not read the changed slots: %s", exc)
        return
    publish_now([(f"slots:{resource_id}", {"slot": pk, "start": int(start.timestamp())})
                 for pk, resource_id, start in rows])
