"""I1–I3 of docs/ARCHITECTURE.md, checked after concurrency, property and service tests."""

from __future__ import annotations

import itertools
from collections import defaultdict

from django.db.models import F, Q, Sum

from booking.models import COUNTED, Booking, QuotaSlot, Slot
from marketplace.models import BookingMode, IdempotencyRecord


def check_invariants() -> None:
    # I1: booked = counted quantities, held = unreleased unused quota, booked + held <= capacity
    booked = dict(Booking.objects.filter(status__in=COUNTED).values("slot_id").annotate(q=Sum("quantity"))
                  .values_list("slot_id", "q"))
    held = dict(QuotaSlot.objects.filter(released=False).values("slot_id")
                .annotate(h=Sum(F("amount") - F("used"))).values_list("slot_id", "h"))
    for slot in Slot.objects.all():
        assert slot.booked == (booked.get(slot.pk) or 0), f"I1 booked on {slot}: {slot.booked} vs {booked.get(slot.pk)}"
        assert slot.held == (held.get(slot.pk) or 0), f"I1 held on {slot}: {slot.held} vs {held.get(slot.pk)}"
        assert 0 <= slot.booked + slot.held <= slot.capacity, f"I1 capacity on {slot}"
    for qs in QuotaSlot.objects.all():
        used = Booking.objects.filter(quota_slot=qs, status__in=COUNTED).aggregate(u=Sum("quantity"))["u"] or 0
        assert qs.used == used, f"quota used on {qs}: {qs.used} vs {used}"
    # I2: an exclusive resource never has two active bookings whose times overlap
    by_resource = defaultdict(list)
    for b in Booking.objects.filter(status__in=COUNTED, resource__booking_mode=BookingMode.EXCLUSIVE):
        by_resource[b.resource_id].append(b)
    for bookings in by_resource.values():
        bookings.sort(key=lambda b: b.start)
        for a, b in itertools.pairwise(bookings):
            assert b.start >= a.end, f"I2 overlap {a.pk} {b.pk}"
    # I3: one (user, key) never yields two objects
    seen: set[int] = set()
    for record in IdempotencyRecord.objects.exclude(Q(result=None)):
        ids = (record.result or {}).get("booking_ids", [])
        assert not seen.intersection(ids), "I3 a booking claimed by two keys"
        seen.update(ids)
