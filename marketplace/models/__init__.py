from core.enums import BookingMode, ResourceCategory, Role, Sex, TargetGroup, WorkUnitKind

from .audit import AuditEntry
from .district import Community, DemoDistrict, Subdistrict, WorkUnit
from .idempotency import IdempotencyRecord
from .people import Membership, User
from .resources import Resource
from .tasks import TaskDelivery

__all__ = [
    "AuditEntry",
    "BookingMode",
    "Community",
    "DemoDistrict",
    "IdempotencyRecord",
    "Membership",
    "Resource",
    "ResourceCategory",
    "Role",
    "Sex",
    "Subdistrict",
    "TargetGroup",
    "TaskDelivery",
    "User",
    "WorkUnit",
    "WorkUnitKind",
]
