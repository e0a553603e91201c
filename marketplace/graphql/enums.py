"""The contract's enums, declared once with the contract's names (shared/api/contract.graphql)."""

from __future__ import annotations

from enum import Enum as PyEnum
from typing import Any

import graphene
from graphene.types.definitions import GrapheneEnumType


class ResourceCategory(graphene.Enum):
    CANTEEN = "CANTEEN"
    PARKING = "PARKING"
    HALL = "HALL"
    BATHHOUSE = "BATHHOUSE"
    OTHER = "OTHER"


class BookingMode(graphene.Enum):
    SHARED = "SHARED"
    EXCLUSIVE = "EXCLUSIVE"


class TargetGroup(graphene.Enum):
    ANYONE = "ANYONE"
    ELDERLY = "ELDERLY"
    DISABLED = "DISABLED"


class Sex(graphene.Enum):
    ANY = "ANY"
    MALE = "MALE"
    FEMALE = "FEMALE"


class WorkUnitKind(graphene.Enum):
    MINISTRY = "MINISTRY"
    ENTERPRISE = "ENTERPRISE"
    UNIVERSITY = "UNIVERSITY"
    HOSPITAL = "HOSPITAL"
    SCHOOL = "SCHOOL"
    OTHER = "OTHER"


class BookingStatus(graphene.Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    CHECKED_IN = "CHECKED_IN"
    NO_SHOW = "NO_SHOW"


class NeedStatus(graphene.Enum):
    OPEN = "OPEN"
    PARTLY_MATCHED = "PARTLY_MATCHED"
    MATCHED = "MATCHED"
    CLOSED = "CLOSED"


class MatchRunStatus(graphene.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class AllocationStatus(graphene.Enum):
    PROPOSED = "PROPOSED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    SUPERSEDED = "SUPERSEDED"


class Role(graphene.Enum):
    RESIDENT = "RESIDENT"
    UNIT_ADMIN = "UNIT_ADMIN"
    UNIT_STAFF = "UNIT_STAFF"
    COMMUNITY_WORKER = "COMMUNITY_WORKER"
    DISTRICT_STAFF = "DISTRICT_STAFF"


class WeekdayPattern(graphene.Enum):
    EVERY_DAY = "EVERY_DAY"
    WEEKDAYS = "WEEKDAYS"
    WEEKEND = "WEEKEND"
    ONE_DAY = "ONE_DAY"


class UnservedReasonCode(graphene.Enum):
    NO_RESOURCE_IN_REACH = "NO_RESOURCE_IN_REACH"
    NO_WINDOW_FITS = "NO_WINDOW_FITS"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    CAPACITY_TAKEN = "CAPACITY_TAKEN"
    DECLINED_BY_UNIT = "DECLINED_BY_UNIT"


class NotificationKind(graphene.Enum):
    BOOKING_CONFIRMED = "BOOKING_CONFIRMED"
    BOOKING_APPROVED = "BOOKING_APPROVED"
    BOOKING_REJECTED = "BOOKING_REJECTED"
    WAITLIST_PROMOTED = "WAITLIST_PROMOTED"
    BOOKING_CANCELLED = "BOOKING_CANCELLED"
    SLOT_CLOSED = "SLOT_CLOSED"
    REMINDER = "REMINDER"
    ALLOCATION_PROPOSED = "ALLOCATION_PROPOSED"
    ALLOCATION_DECIDED = "ALLOCATION_DECIDED"
    NEED_UPDATED = "NEED_UPDATED"


def value_of(enum_value: object) -> str | None:
    """The plain string of an enum argument (graphene passes enum values or members)."""
    if enum_value is None:
        return None
    return str(getattr(enum_value, "value", enum_value))


_serialize = GrapheneEnumType.serialize


def _serialize_any_enum(self: GrapheneEnumType, value: Any) -> Any:
    """Models hold Django TextChoices members (e.g. NeedStatus.OPEN); graphene only recognises its own
    enum's members or plain values, so another enum's member is reduced to its value first."""
    if isinstance(value, PyEnum) and not isinstance(value, self.graphene_type._meta.enum):
        value = value.value
    return _serialize(self, value)


GrapheneEnumType.serialize = _serialize_any_enum  # type: ignore[method-assign]
