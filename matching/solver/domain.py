"""Frozen, JSON-able data the solver takes in and gives back.

Invariants (checked by :func:`Problem.validate`):
- times are minutes after midnight, ``0 <= start_min < 1440``; ``end_min`` is on the same day unless
  ``ends_next_day`` (then the window runs to ``end_min`` of the following day);
- weekdays are 0=Mon..6=Sun;
- dates are ISO strings ``YYYY-MM-DD``; a problem without ``horizon_start``/``horizon_end`` is solved on
  weekdays (a block's capacity is the same every week) and ``FreeCapacity`` rows are then ignored;
- ``Block.capacity`` is the free capacity of one occurrence in units (seats, spaces, hall bookings) after
  existing bookings, quota and ACCEPTED allocations (which are fixed, never variables) were taken out;
  ``FreeCapacity`` rows override it for one date;
- a HALL need asks for one hall booking for a group of ``quantity`` people: its demand is 1 unit and
  only a hall whose ``Resource.capacity`` (people it holds) is at least ``quantity`` can serve it;
- a need's ``quantity`` is what is still open (accepted allocations already subtracted).

Every class has ``to_dict`` / ``from_dict`` so problems, parts and results travel as JSON (Celery).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

CATEGORIES = ("CANTEEN", "PARKING", "HALL", "BATHHOUSE", "OTHER")
TARGET_GROUPS = ("ANYONE", "ELDERLY", "DISABLED")
SEXES = ("ANY", "MALE", "FEMALE")
DAY = 1440

T = TypeVar("T")


class _Json:
    """Mixin: ``to_dict`` via :func:`dataclasses.asdict`; ``from_dict`` rebuilds nested dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload, no-any-return]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        return _build(cls, data)


_NESTED: dict[str, dict[str, type]] = {}


def _build(cls: type[T], data: dict[str, Any]) -> T:
    nested = _NESTED.get(cls.__name__, {})
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name in nested:
            sub = nested[f.name]
            value = (
                tuple(_build(sub, v) for v in value)
                if isinstance(value, list | tuple)
                else (_build(sub, value) if value is not None else None)
            )
        elif isinstance(value, list):
            value = _tuplify(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def _tuplify(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_tuplify(v) for v in value)
    return value


@dataclass(frozen=True)
class Community(_Json):
    key: str
    lat: float
    lon: float
    subdistrict_key: str = ""


@dataclass(frozen=True)
class Block(_Json):
    """One opening window of a resource; ``index`` is its position in ``Resource.blocks``."""

    index: int
    weekdays: tuple[int, ...]
    start_min: int
    end_min: int
    ends_next_day: bool
    capacity: int
    sex: str = "ANY"

    @property
    def end_abs(self) -> int:
        return self.end_min + (DAY if self.ends_next_day else 0)


@dataclass(frozen=True)
class Resource(_Json):
    key: str
    category: str
    lat: float
    lon: float
    blocks: tuple[Block, ...]
    capacity: int = 0  # halls: people the hall holds
    target_group: str = "ANYONE"
    unit_key: str = ""


@dataclass(frozen=True)
class Need(_Json):
    key: str
    community_key: str
    category: str
    quantity: int
    weekdays: tuple[int, ...]
    start_min: int
    end_min: int
    ends_next_day: bool = False
    target_group: str = "ANYONE"
    max_distance_m: int = 1500
    priority: int = 3
    sex: str = "ANY"  # bathhouse: ANY means the group takes sessions of either sex
    starts_on: str | None = None
    ends_on: str | None = None

    @property
    def end_abs(self) -> int:
        return self.end_min + (DAY if self.ends_next_day else 0)

    @property
    def units(self) -> int:
        """Demand in units: a hall need is one booking, anything else its quantity."""
        return 1 if self.category == "HALL" else self.quantity


@dataclass(frozen=True)
class FreeCapacity(_Json):
    """Free capacity of one block on one date (overrides ``Block.capacity``)."""

    resource_key: str
    block_index: int
    date: str
    free: int


@dataclass(frozen=True)
class PreviousAllocation(_Json):
    """A PROPOSED allocation of the previous run (stability keeps it where nothing forces a change)."""

    need_key: str
    resource_key: str
    block_index: int
    quantity: int


@dataclass(frozen=True)
class Problem(_Json):
    communities: tuple[Community, ...]
    resources: tuple[Resource, ...]
    needs: tuple[Need, ...]
    free_capacity: tuple[FreeCapacity, ...] = ()
    previous: tuple[PreviousAllocation, ...] = ()
    declined: tuple[tuple[str, str], ...] = ()  # (need_key, resource_key) pairs a unit declined
    horizon_start: str | None = None
    horizon_end: str | None = None  # inclusive

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first broken invariant."""
        keys = {c.key for c in self.communities}
        for n in self.needs:
            if n.community_key not in keys:
                raise ValueError(f"need {n.key}: unknown community {n.community_key}")
            if n.category not in CATEGORIES or n.quantity < 1 or not n.weekdays:
                raise ValueError(f"need {n.key}: bad category, quantity or weekdays")
            if not (0 <= n.start_min < DAY and 0 <= n.end_min <= DAY) or n.end_abs <= n.start_min:
                raise ValueError(f"need {n.key}: bad window")
        for r in self.resources:
            for i, b in enumerate(r.blocks):
                if b.index != i or b.capacity < 0 or not (0 <= b.start_min < DAY) or b.end_abs <= b.start_min:
                    raise ValueError(f"resource {r.key}: bad block {i}")
        if len({n.key for n in self.needs}) != len(self.needs):
            raise ValueError("duplicate need keys")
        if len({r.key for r in self.resources}) != len(self.resources):
            raise ValueError("duplicate resource keys")


@dataclass(frozen=True)
class SolveSettings(_Json):
    """How to solve. ``method``: "greedy", "flow" (flow + repair + fill) or "cpsat" (flow + CP-SAT polish).

    The CP-SAT polish is reproducible: one worker (``workers``), a fixed ``seed`` and a limit in CP-SAT's
    deterministic time (work done, not seconds) per part, so the answer does not depend on the machine's
    load, the number of Celery workers or the order the parts are taken in. A part's budget is
    ``dtime_per_1k`` per 1,000 candidates, clipped to [``dtime_min``, ``dtime_max``]
    (``deterministic_time``, if set, is the budget of every part instead). ``time_limit_s`` is a
    wall-clock safety net per CP-SAT stage that does not bind in normal runs; a part where it bound
    reports ``wall_limited`` and the run is then not reproducible.
    """

    method: str = "cpsat"
    time_limit_s: float = 120.0
    deterministic_time: float | None = None
    dtime_per_1k: float = 0.1
    dtime_min: float = 0.2
    dtime_max: float = 20.0
    workers: int = 1
    seed: int = 1
    max_sites: tuple[tuple[str, int], ...] = (
        ("CANTEEN", 2),
        ("PARKING", 3),
        ("HALL", 1),
        ("BATHHOUSE", 2),
        ("OTHER", 2),
    )
    min_piece: tuple[tuple[str, int], ...] = (
        ("CANTEEN", 10),
        ("PARKING", 5),
        ("HALL", 1),
        ("BATHHOUSE", 10),
        ("OTHER", 10),
    )
    split_rules: bool = True
    fairness_tiers: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    tile_max_candidates: int = 0  # 0: never tile; otherwise tile parts with more candidates
    tile_km: float = 7.0
    cpsat_min_part: int = 1  # parts with fewer needs are not polished
    cpsat_max_candidates: int = 8000  # larger parts skip CP-SAT's stages 1-2 (measured: no gain, slow)
    cpsat_skip_gap: float = 0.005  # parts whose start is this close to their bound skip CP-SAT
    lp: bool = True  # the LP relaxation with split rules: a tighter bound and a second start to round

    def budget_for(self, candidates: int) -> float:
        """CP-SAT deterministic time for a part of ``candidates`` candidates (all stages together)."""
        if self.deterministic_time is not None:
            return float(self.deterministic_time)
        return round(min(self.dtime_max, max(self.dtime_min, self.dtime_per_1k * candidates / 1000.0)), 6)

    def k_for(self, category: str) -> int:
        return dict(self.max_sites).get(category, 2) if self.split_rules else 10**6

    def m_for(self, category: str) -> int:
        return dict(self.min_piece).get(category, 10) if self.split_rules else 1


@dataclass(frozen=True)
class Allocation(_Json):
    need_key: str
    resource_key: str
    block_index: int
    quantity: int  # units (hall: 1 booking)
    distance_m: int


@dataclass(frozen=True)
class UnservedReason(_Json):
    need_key: str
    code: str  # NO_RESOURCE_IN_REACH | NO_WINDOW_FITS | NOT_ELIGIBLE | CAPACITY_TAKEN | DECLINED_BY_UNIT
    quantity: int
    message: str
    blocking_need_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metrics(_Json):
    served: int
    demand: int
    servable: int
    bound: float
    gap: float
    starved_communities: int
    min_community_share: float
    p10_community_share: float
    mean_distance_m: float
    p90_distance_m: float
    churn: float | None
    kept_previous: int
    previous_units: int


@dataclass(frozen=True)
class Solution(_Json):
    allocations: tuple[Allocation, ...]
    unserved: tuple[UnservedReason, ...]
    metrics: Metrics
    stages: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    parts: int = 0
    proven_optimal: bool = False
    budget: float = 0.0  # CP-SAT deterministic time allowed, summed over the parts
    deterministic_time_used: float = 0.0  # CP-SAT deterministic time spent, summed over the parts
    reproducible: bool = True  # False when a wall-clock safety limit stopped a CP-SAT stage


_NESTED.update(
    {
        "Resource": {"blocks": Block},
        "Problem": {
            "communities": Community,
            "resources": Resource,
            "needs": Need,
            "free_capacity": FreeCapacity,
            "previous": PreviousAllocation,
        },
        "Solution": {"allocations": Allocation, "unserved": UnservedReason, "metrics": Metrics},
    }
)
