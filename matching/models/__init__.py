from .allocations import Allocation, AllocationStatus
from .needs import Need, NeedStatus, NeedSupport, UnservedReason, UnservedReasonCode, WeekdayPattern
from .runs import MatchRun, MatchRunLock, MatchRunSnapshot, MatchRunStatus

__all__ = [
    "Allocation",
    "AllocationStatus",
    "MatchRun",
    "MatchRunLock",
    "MatchRunSnapshot",
    "MatchRunStatus",
    "Need",
    "NeedStatus",
    "NeedSupport",
    "UnservedReason",
    "UnservedReasonCode",
    "WeekdayPattern",
]
