"""The API's enums as GraphQL types, made from their one declaration in `core/enums.py`.

`graphene.Enum.from_enum` keeps the Python enum as the GraphQL enum's values, so a model's stored value
("OPEN") or member (NeedStatus.OPEN) serialises as itself, and an argument arrives as a member.
"""

from __future__ import annotations

import graphene

from core import enums
from core.errors import ErrorCode as ErrorCodes

ResourceCategory = graphene.Enum.from_enum(enums.ResourceCategory)
BookingMode = graphene.Enum.from_enum(enums.BookingMode)
TargetGroup = graphene.Enum.from_enum(enums.TargetGroup)
Sex = graphene.Enum.from_enum(enums.Sex)
WorkUnitKind = graphene.Enum.from_enum(enums.WorkUnitKind)
BookingStatus = graphene.Enum.from_enum(enums.BookingStatus)
NeedStatus = graphene.Enum.from_enum(enums.NeedStatus)
MatchRunStatus = graphene.Enum.from_enum(enums.MatchRunStatus)
AllocationStatus = graphene.Enum.from_enum(enums.AllocationStatus)
Role = graphene.Enum.from_enum(enums.Role)
WeekdayPattern = graphene.Enum.from_enum(enums.WeekdayPattern)
UnservedReasonCode = graphene.Enum.from_enum(enums.UnservedReasonCode)
NotificationKind = graphene.Enum.from_enum(enums.NotificationKind)
ErrorCode = graphene.Enum.from_enum(ErrorCodes, description="Stable codes; clients treat unknown ones as a failure.")


def value_of(enum_value: object) -> str | None:
    """The plain string of an enum argument (a member of the Python enum, or its value)."""
    if enum_value is None:
        return None
    return str(getattr(enum_value, "value", enum_value))
