"""The waitlist: first in, first out, skipping entries that do not fit.

`promote(slot_id)` runs inside the transaction that freed the place (a cancellation, rejection,
expiry, no-show or capacity increase), so a promotion is never lost or made twice.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext_noop

from booking.models import Booking, BookingStatus, QuotaSlot, Slot

from . import counters
from .notify import tell

# Stored as the English text and translated when shown (system reasons are gettext_noop msgids).
LAPSED = gettext_noop("The waiting list closed before a place came free.")


def take(booking: Booking, *, quota_possible: bool = True) -> bool:
    """Counts `booking` on its slot: from its community's quota when enough is left, else open capacity.
    Sets `booking.quota_slot` when drawn from a quota. `quota_possible=False` (the slot held nothing when
    read) skips the quota lookup."""
    if quota_possible and booking.community_id is not None:
        candidates = QuotaSlot.objects.filter(slot_id=booking.slot_id, community_id=booking.community_id,
                                              released=False).order_by("pk")
        for qs in candidates:
            if counters.take_quota(qs.pk, booking.slot_id, booking.quantity):
                booking.quota_slot = qs
                return True
    return counters.take_open(booking.slot_id, booking.quantity, where=(booking.resource_id, booking.start))


def promote(slot_id: int, *, now: dt.datetime) -> list[Booking]:
    """Promotes waitlisted entries of the slot that now fit, in order; returns them."""
    slot = Slot.objects.select_related("resource").get(pk=slot_id)
    if slot.closed:
        return []
    if now >= slot.resource.booking_closes_at(slot.start):
        return []
    promoted = []
    waiting = Booking.objects.filter(slot_id=slot_id, status=BookingStatus.WAITLISTED).order_by("created_at", "id")
    for candidate_id in waiting.values_list("pk", flat=True):
        # lock and re-read: a concurrent transaction may have promoted or cancelled it meanwhile
        booking = (Booking.objects.select_for_update().select_related("user")
                   .filter(pk=candidate_id, status=BookingStatus.WAITLISTED).first())
        if booking is None or not take(booking):
            continue
        booking.status = BookingStatus.PENDING if slot.resource.requires_approval else BookingStatus.CONFIRMED
        booking.save(update_fields=["status", "quota_slot"])
        tell(booking=booking, kind="WAITLIST_PROMOTED", effect="promoted", now=now)
        promoted.append(booking)
    return promoted


def lapse_waitlists(*, now: dt.datetime) -> int:
    """Periodic: WAITLISTED entries lapse (CANCELLED) at the booking cutoff of their slot."""
    lapsed = 0
    for booking in Booking.objects.filter(status=BookingStatus.WAITLISTED, start__lte=now + dt.timedelta(days=8)
                                          ).select_related("resource"):
        if now >= booking.resource.booking_closes_at(booking.start):
            lapsed += Booking.objects.filter(Q(pk=booking.pk), Q(status=BookingStatus.WAITLISTED)).update(
                status=BookingStatus.CANCELLED, status_reason=LAPSED)
    return lapsed


def waitlist_positions(bookings: list[Booking]) -> dict[int, int]:
    """1-based waitlist places of the WAITLISTED ones among `bookings` (one query for all their slots)."""
    slot_ids = {b.slot_id for b in bookings if b.status == BookingStatus.WAITLISTED}
    if not slot_ids:
        return {}
    places: dict[int, int] = {}
    counters_by_slot: dict[int, int] = {}
    for pk, slot_id in (Booking.objects.filter(slot_id__in=slot_ids, status=BookingStatus.WAITLISTED)
                        .order_by("slot_id", "created_at", "id").values_list("pk", "slot_id")):
        counters_by_slot[slot_id] = counters_by_slot.get(slot_id, 0) + 1
        places[pk] = counters_by_slot[slot_id]
    return places
