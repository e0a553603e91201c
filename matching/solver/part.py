"""An independent part of a problem (one category, one connected component or one tile) and its result.

A Part is plain data (tuples of ints and strings) so it can be pickled or sent as JSON to a worker.
Indices: needs ``0..len(need_keys)``, sites (resources) ``0..len(site_keys)``, candidates
``0..len(cand_need)`` sorted by (need, site, block), pools (capacity rows) ``0..len(pool_cap)``.

Invariants:
- a candidate ``c`` may carry at most ``cand_cap[c]`` units (its block's free capacity minimised over the
  need's occurrences, clipped to the need's units) and uses every pool in ``cand_pools[c]``;
- for every pool ``p``: the sum of ``x[c]`` over candidates using ``p`` is at most ``pool_cap[p]`` — pools
  are the distinct (resource, block, day-key) capacity rows, rows with the same users merged (min capacity);
- ``cand_flow_pool[c]`` groups candidates of one block with the same occurrence days; the min-cost flow
  treats each group as one capacity node (exact unless ``flow_exact`` is False: then groups of one block
  overlap on some day and the flow is a relaxation that repair makes feasible);
- split rules: at most ``need_k[n]`` sites per need, and a site's total for a need is 0 or at least
  ``need_m[n]`` (= min(m, units)).
"""

from __future__ import annotations

from dataclasses import dataclass

from .domain import _NESTED, _Json


@dataclass(frozen=True)
class Part(_Json):
    index: int
    category: str
    need_keys: tuple[str, ...]
    need_community: tuple[str, ...]
    need_units: tuple[int, ...]
    need_priority: tuple[int, ...]
    need_k: tuple[int, ...]
    need_m: tuple[int, ...]
    site_keys: tuple[str, ...]
    cand_need: tuple[int, ...]
    cand_site: tuple[int, ...]
    cand_block: tuple[int, ...]
    cand_cap: tuple[int, ...]
    cand_dist: tuple[int, ...]
    cand_prev: tuple[int, ...]
    cand_pools: tuple[tuple[int, ...], ...]
    cand_flow_pool: tuple[int, ...]
    pool_cap: tuple[int, ...]
    flow_pool_cap: tuple[int, ...]
    flow_exact: bool = True
    tiled: bool = False

    @property
    def size(self) -> int:
        return len(self.cand_need)


@dataclass(frozen=True)
class PartResult(_Json):
    """``alloc``: (need key, resource key, block index, units, distance m) with units > 0, by candidate.

    ``budget``/``dtime``/``wall_limited``: the CP-SAT budget of the part, what it spent, and whether a
    wall-clock safety limit bound (then the answer may differ on a busier machine).
    ``bound`` is the best proven upper bound on the part's served units: the lowest of the tightened flow
    value, the LP relaxation with the split rules and CP-SAT's bound; ``proven_optimal`` when ``served == bound``.
    """

    index: int
    method: str
    alloc: tuple[tuple[str, str, int, int, int], ...]
    served: int
    bound: int
    flow_bound: int
    cpsat_bound: int | None
    proven_optimal: bool
    exact_dominance: bool
    stages: tuple[tuple[str, float], ...]
    tiled: bool = False
    need_keys: tuple[str, ...] = ()  # the part's needs (filled for tiled parts only)
    lp_bound: int | None = None  # the LP relaxation with the split rules (``lp``)
    budget: float = 0.0  # CP-SAT deterministic time allowed (0: not polished)
    dtime: float = 0.0  # CP-SAT deterministic time spent
    wall_limited: bool = False  # a stage stopped on the wall-clock safety net: not reproducible
    kept_previous: bool = False  # the previous proposals were kept as they were (as good at levels 1-2)


@dataclass
class Spent:
    """CP-SAT deterministic time spent, and whether a wall-clock safety limit stopped a stage."""

    dtime: float = 0.0
    wall_limited: bool = False

    def add(self, other: Spent) -> None:
        self.dtime += other.dtime
        self.wall_limited = self.wall_limited or other.wall_limited


_NESTED.update({"Part": {}, "PartResult": {}})
