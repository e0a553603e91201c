"""Writing notifications: `notify` (exactly once per key), `mark_read`, `unread_count`.

`notify` is called inside the caller's transaction (a booking, a cancellation, a promotion): the
in-app row and its outbox rows commit or roll back with the caller's work, and delivery is queued
only after commit. The in-app row is written exactly once per (user, key), also under concurrency:
the unique constraint decides through INSERT … ON CONFLICT DO NOTHING, so a duplicate never breaks
the caller's transaction (and needs no savepoint). Outside channels are delivered at least once (see `delivery`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from booking.models import Booking, BookingStatus
from core.db.prepared import PreparedInsert
from core.live.publish import publish_on_commit

from .channels import channels_reaching
from .models import Notification, NotificationKind, OutboxMessage
from .publish import queue_delivery


def effect_key(kind: str, *parts: object) -> str:
    """The conventional key of an effect: kind and the ids that make it unique, e.g.
    effect_key("BOOKING_CONFIRMED", "booking", 12) → "BOOKING_CONFIRMED:booking:12"."""
    return ":".join([kind, *(str(p) for p in parts)])


KINDS = frozenset(NotificationKind.values)

# Which booking facts a notice of each kind shows (snapshotted when it is written).
REASON_KINDS = frozenset({NotificationKind.BOOKING_REJECTED, NotificationKind.BOOKING_CANCELLED,
                          NotificationKind.SLOT_CLOSED})
CODE_KINDS = frozenset({NotificationKind.BOOKING_CONFIRMED, NotificationKind.BOOKING_APPROVED,
                        NotificationKind.WAITLIST_PROMOTED, NotificationKind.REMINDER})


def booking_params(kind: str, booking: Booking) -> dict[str, Any]:
    """The parameters a booking notice renders from: resource name and start; the reason of a
    rejection, cancellation or closure; the check-in code where the resident will need it; the
    "pending" variant of a promotion that awaits approval."""
    params: dict[str, Any] = {"resource": booking.resource.name, "start": booking.start}
    if kind in REASON_KINDS and booking.status_reason:
        params["reason"] = booking.status_reason
    if kind in CODE_KINDS and booking.check_in_code and booking.status != BookingStatus.PENDING:
        params["code"] = booking.check_in_code
    if kind == NotificationKind.WAITLIST_PROMOTED and booking.status == BookingStatus.PENDING:
        params["variant"] = "pending"
    return params


def notify(*, user: Any, kind: str, key: str, booking: Booking | None = None,
           allocation_id: int | None = None, params: dict[str, Any] | None = None,
           now: dt.datetime | None = None) -> Notification | None:
    """Tells `user` about one effect, exactly once per (user, key).

    Writes the in-app notification and one PENDING outbox row per channel that reaches the user
    (e-mail when they have an address, SMS when they have a phone) in the current transaction (its
    own when there is none) and, on commit, queues their delivery; publishing never raises (a dead
    broker is logged; the sweeper delivers later). Returns the new notification, or None when one
    with this key already exists (nothing is written then).
    Raises ValueError for an unknown kind or an empty or over-long key (programming errors).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not key or len(key) > Notification.KEY_MAX:
        raise ValueError("a notification key must have 1 to 200 characters")
    now = now or timezone.now()
    if booking is not None:
        params = {**booking_params(kind, booking), **(params or {})}
    with transaction.atomic(savepoint=False):
        notification = Notification(user=user, kind=kind, key=key, params=params or {}, booking=booking,
                                    allocation_id=allocation_id, created_at=now)
        if not NOTIFICATION_ONCE.insert(notification):
            return None
        reaching = channels_reaching(user)
        messages = OutboxMessage.objects.bulk_create([
            OutboxMessage(notification=notification, channel=channel, next_attempt_at=now, created_at=now)
            for channel in reaching
        ]) if reaching else []
        # live: the viewer's notificationAdded re-reads it after commit
        publish_on_commit(f"notifications:{notification.user_id}", {"notification": notification.pk})
        message_ids = [m.pk for m in messages]
        if message_ids:
            transaction.on_commit(functools.partial(queue_delivery, message_ids), robust=True)
    return notification


# INSERT … ON CONFLICT DO NOTHING RETURNING id: one statement that writes the row unless its (user, key)
# exists (the unique constraint decides, also under concurrency), without the savepoint a caught
# IntegrityError would need. Other errors (a foreign key) still raise.
NOTIFICATION_ONCE = PreparedInsert(Notification, ignore_conflicts=True)


def unread_count(user: Any) -> int:
    return Notification.objects.for_user(user).unread().count()


def mark_read(*, user: Any, ids: Iterable[int] | None = None, all: bool = False,
              now: dt.datetime | None = None) -> int:
    """Marks the user's notifications read: those in `ids`, or every one with `all`; ids of other
    users' notifications (or of none) are ignored, never an error. Already read ones keep their
    first read time. Returns the number still unread."""
    now = now or timezone.now()
    with transaction.atomic():
        unread = Notification.objects.for_user(user).unread()
        if all:
            unread.update(read_at=now)
        elif ids is not None:
            wanted = list(ids)
            if wanted:
                unread.filter(pk__in=wanted).update(read_at=now)
        return unread_count(user)
