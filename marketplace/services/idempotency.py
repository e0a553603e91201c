"""Idempotency keys for every creating call (docs/ARCHITECTURE.md "Capacity and quota").

The same key from the same user returns the first result for 24 hours; the same key with another
input is CONFLICT. Use inside the service's transaction:

    with transaction.atomic():
        claim = claim_key(user=user, key=key, operation="bookSlot", payload=input_dict)
        if claim.replay is not None:
            return load_result(claim.replay)          # the first call's result
        ... do the work ...
        claim.complete({"booking_ids": [...]})       # stored with the work, in the same transaction

`claim_key` inserts the row first: a concurrent call with the same key waits on the unique index
until the first commits, then sees its result (PostgreSQL) — or is serialised by SQLite's
IMMEDIATE transactions. If the first call rolls back, its claim disappears with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ErrorCode, ServiceError
from marketplace.models import IdempotencyRecord, User

WINDOW = dt.timedelta(hours=24)
KEY_MAX = 100


def fingerprint(operation: str, payload: dict[str, Any]) -> str:
    blob = json.dumps({"op": operation, "input": payload}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class Claim:
    record: IdempotencyRecord | None
    replay: dict[str, Any] | None = None

    def complete(self, result: dict[str, Any]) -> None:
        """Stores the result of the first call (same transaction as the work)."""
        if self.record is not None:
            self.record.result = result
            self.record.save(update_fields=["result"])


def claim_key(*, user: User, key: str | None, operation: str, payload: dict[str, Any],
              now: dt.datetime | None = None) -> Claim:
    """Claims (user, key) for this call, or returns the stored result to replay.

    Raises ServiceError: INVALID for an over-long key, CONFLICT when the key was used with another input.
    Must run inside a transaction (the claim is written with the work).
    """
    if not key:
        return Claim(record=None)
    if len(key) > KEY_MAX:
        raise ServiceError.of(ErrorCode.INVALID, _("The idempotency key is too long (at most 100 characters)."),
                              "idempotencyKey")
    now = now or timezone.now()
    digest = fingerprint(operation, payload)
    IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=now - WINDOW).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=user, key=key, operation=operation, fingerprint=digest,
                                                      created_at=now)
        return Claim(record=record)
    except IntegrityError:
        existing = IdempotencyRecord.objects.get(user=user, key=key)
    if existing.fingerprint != digest:
        raise ServiceError.of(ErrorCode.CONFLICT, _("This idempotency key was already used with another input."),
                              "idempotencyKey")
    return Claim(record=None, replay=existing.result or {})


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Deletes records older than the window (a periodic job)."""
    now = now or timezone.now()
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=now - WINDOW).delete()
    return deleted
