"""Delivering outbox messages to the outside channels: at least once, with a bounded attempt counter.

A sender first *claims* a message with one conditional UPDATE (PENDING, due, attempts left →
attempts + 1 and `next_attempt_at` pushed out by the lease), committed before anything is sent. So
two workers, two sweepers, or a task and a sweeper never send the same attempt twice: only one
UPDATE matches. Then it sends outside any transaction and records the outcome: SENT; or, on failure,
due again after an exponential backoff; or DEAD after the last attempt. A worker killed while sending
leaves the claim in place; the message is due again when the lease ends (so an outside channel may
see it twice — at least once), and a message whose last attempt was lost that way is marked DEAD by
the sweeper. In-app rows are never touched here.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import F
from django.utils import timezone, translation

from . import conf
from .channels import get_channel
from .models import OutboxMessage, OutboxStatus
from .rendering import recipient_language, render

logger = logging.getLogger(__name__)
ERROR_MAX = 2000


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed; due again after the backoff
    DEAD = "dead"  # failed on its last attempt
    SKIPPED = "skipped"  # already sent or dead, not due, or being sent by someone else


def claim(*, message_id: int, now: dt.datetime) -> bool:
    """Takes the next attempt of a due PENDING message. Returns False when another sender has it,
    it is not due, it is final, or its attempts are used up. The UPDATE commits on its own when
    called outside a transaction (as the tasks do)."""
    return bool(
        OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now,
                                     attempts__lt=conf.max_attempts())
        .update(attempts=F("attempts") + 1, next_attempt_at=now + conf.lease())
    )


def deliver_message(*, message_id: int, now: dt.datetime | None = None) -> Outcome:
    """Sends one outbox message if it is due, and records the outcome. Idempotent: a SENT or DEAD
    message is skipped. Never raises for a channel failure (it is recorded on the row)."""
    now = now or timezone.now()
    if not claim(message_id=message_id, now=now):
        return Outcome.SKIPPED
    message = OutboxMessage.objects.select_related("notification__user").get(pk=message_id)
    user = message.notification.user
    try:
        channel = get_channel(message.channel)
        with translation.override(recipient_language(user)):
            title, text = render(message.notification)
        channel.send(user, title, text)
    except Exception as exc:  # noqa: BLE001 - any channel failure is one counted attempt
        return _record_failure(message, exc, now)
    OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="")
    return Outcome.SENT


def _record_failure(message: OutboxMessage, exc: BaseException, now: dt.datetime) -> Outcome:
    error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
    pending = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING)
    if message.attempts >= conf.max_attempts():
        pending.update(status=OutboxStatus.DEAD, last_error=error)
        logger.error("notifications: outbox message %s on %s is dead after %s attempts: %s",
                     message.pk, message.channel, message.attempts, error)
        return Outcome.DEAD
    pending.update(next_attempt_at=now + conf.retry_delay(message.attempts), last_error=error)
    logger.warning("notifications: outbox message %s on %s failed (attempt %s): %s",
                   message.pk, message.channel, message.attempts, error)
    return Outcome.RETRY


def bury_exhausted(*, now: dt.datetime) -> int:
    """Marks DEAD the PENDING messages whose last attempt was claimed and never finished (its
    worker died) once its lease is over. Returns how many."""
    return OutboxMessage.objects.filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=now, attempts__gte=conf.max_attempts(),
    ).update(status=OutboxStatus.DEAD, last_error="The last attempt did not finish (worker lost).")


@dataclass
class SweepReport:
    outcomes: dict[str, int] = field(default_factory=dict)
    buried: int = 0

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome.value] = self.outcomes.get(outcome.value, 0) + 1


def sweep_outbox(*, now: dt.datetime | None = None, limit: int | None = None,
                 budget_seconds: float = 40.0) -> SweepReport:
    """Delivers the due PENDING messages, oldest due first, at most `limit` (the batch setting) and
    for at most `budget_seconds` (below the sweep task's time limit); the rest wait for the next run.
    Safe to run concurrently with other sweeps and delivery tasks (each message is claimed)."""
    now = now or timezone.now()
    report = SweepReport(buried=bury_exhausted(now=now))
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id").values_list("id", flat=True)[: limit or conf.sweep_batch()]
    )
    started = time.monotonic()
    for message_id in due:
        if time.monotonic() - started > budget_seconds:
            break
        report.count(deliver_message(message_id=message_id, now=now))
    return report


def purge_finished(*, now: dt.datetime | None = None, keep_days: int | None = None) -> int:
    """Deletes outbox messages that are done with: SENT ones sent, and DEAD ones created, more than
    `keep_days` ago (settings.NOTIFICATIONS_OUTBOX_KEEP_DAYS, default 30; DEAD ones are kept three times
    as long, for inspection). PENDING messages are never touched. Returns how many were deleted."""
    now = now or timezone.now()
    keep = dt.timedelta(days=keep_days if keep_days is not None else conf.outbox_keep_days())
    sent, _sent_detail = OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__lt=now - keep).delete()
    dead, _dead_detail = OutboxMessage.objects.filter(status=OutboxStatus.DEAD, created_at__lt=now - 3 * keep).delete()
    return sent + dead
