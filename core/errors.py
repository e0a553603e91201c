"""Error codes and the one exception services raise.

Codes are the API's `ErrorCode` enum (schema.graphql), defined once here in plain
Python and exposed to GraphQL once. A service refuses by raising `ServiceError` with one or more
`UserError`s; nothing it started is written (every service is one transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    FULL = "FULL"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    SLOT_CLOSED = "SLOT_CLOSED"
    OUTSIDE_BOOKING_WINDOW = "OUTSIDE_BOOKING_WINDOW"
    LIMIT_REACHED = "LIMIT_REACHED"
    ALREADY_FINAL = "ALREADY_FINAL"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class UserError:
    """One refusal: a stable code, a message (lazy, so it renders in the request's language),
    the dotted camelCase input path it concerns (or None), and for suspensions and rate limits
    the moment it ends."""

    code: ErrorCode
    message: str | Promise
    field: str | None = None
    until: dt.datetime | None = None

    def as_dict(self) -> dict[str, object]:
        return {"code": str(self.code), "message": str(self.message), "field": self.field,
                "until": self.until}


class ServiceError(Exception):
    """Raised by a service to refuse; carries one or more `UserError`s."""

    def __init__(self, errors: UserError | Iterable[UserError]):
        self.errors: list[UserError] = [errors] if isinstance(errors, UserError) else list(errors)
        if not self.errors:
            raise ValueError("ServiceError needs at least one UserError")
        super().__init__("; ".join(f"{e.code}: {e.message}" for e in self.errors))

    @property
    def code(self) -> ErrorCode:
        return self.errors[0].code

    @classmethod
    def of(cls, code: ErrorCode, message: str | Promise, field: str | None = None,
           until: dt.datetime | None = None) -> ServiceError:
        return cls(UserError(code=code, message=message, field=field, until=until))


class ErrorCollector:
    """Collects independent validation errors so a form shows them all at once."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def add(self, code: ErrorCode, message: str | Promise, field: str | None = None) -> None:
        self.errors.append(UserError(code=code, message=message, field=field))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ServiceError(self.errors)
