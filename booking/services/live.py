"""Live updates of slots: `slots_changed(ids)` after a change of a slot's booked, held, closed or
capacity. After commit, one query finds each slot's resource and start, and one event per slot goes to
topic `slots:<resource id>` ({"slot": pk, "start": epoch seconds}); slotsChanged subscribers re-read
the slot for their viewer (booking/graphql/subscriptions.py). Never fails the caller."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable, Mapping

from django.db import transaction

from booking.models import Slot
from core.live.publish import publish_now

logger = logging.getLogger("booking.live")


def slots_changed(slot_ids: Iterable[int | None], *, known: Mapping[int, tuple[int, dt.datetime]] | None = None
                  ) -> None:
    """`known` gives the resource and start of some of the slots (the caller has them at hand), so the
    publication after commit need not read them again."""
    ids = sorted({int(pk) for pk in slot_ids if pk is not None})
    if ids:
        given = {pk: known[pk] for pk in ids if known and pk in known}
        transaction.on_commit(functools.partial(_publish, ids, given), robust=True)


def _publish(ids: list[int], given: dict[int, tuple[int, dt.datetime]]) -> None:
    rows = [(pk, *given[pk]) for pk in ids if pk in given]
    missing = [pk for pk in ids if pk not in given]
    if missing:
        try:
            rows += list(Slot.objects.filter(pk__in=missing).values_list("pk", "resource_id", "start"))
        except Exception as exc:  # noqa: BLE001 - the change is committed; a missed hint is only a stale view
            logger.warning("live updates: could not read the changed slots: %s", exc)
            return
    publish_now([(f"slots:{resource_id}", {"slot": pk, "start": int(start.timestamp())})
                 for pk, resource_id, start in rows])
