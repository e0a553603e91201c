"""Pure-Python matching solver (no Django): see ``api`` for the entry points and matching/README.md for the model."""

from .api import merge, prepare, solve, solve_part
from .audit import AuditError
from .domain import (
    Allocation,
    Block,
    Community,
    FreeCapacity,
    Metrics,
    Need,
    PreviousAllocation,
    Problem,
    Resource,
    Solution,
    SolveSettings,
    UnservedReason,
)
from .part import Part, PartResult

__all__ = [
    "Allocation",
    "AuditError",
    "Block",
    "Community",
    "FreeCapacity",
    "Metrics",
    "Need",
    "Part",
    "PartResult",
    "PreviousAllocation",
    "Problem",
    "Resource",
    "Solution",
    "SolveSettings",
    "UnservedReason",
    "merge",
    "prepare",
    "solve",
    "solve_part",
]
