"""Candidates: (need, resource, block) triples that may serve a need, built with a spatial index.

Semantics (matching/README.md "Our semantics"): a block serves a need when, on every day of the need's weekday
pattern, the block starts inside the need's window [start, end) (halls: the block lies inside it). A block
that opens after midnight can serve a window that ends the next day: it is then taken on the following
weekday (``offset`` 1). A candidate's capacity is the block's free capacity minimised over the need's
occurrences (day keys): weekdays 0..6 when the problem has no horizon, date ordinals otherwise.

Eligibility: same category; a resource targeted at ELDERLY (DISABLED) serves only ELDERLY (DISABLED) needs,
an ANYONE resource serves all; a block of sex MALE/FEMALE serves needs of that sex or ANY (a need of sex ANY
takes sessions of either sex); a hall must hold the need's group (``Resource.capacity >= quantity``).
Pairs a unit declined are never candidates. Candidates of capacity 0 are dropped (counted in ``full``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .domain import Need, Problem, Resource
from .geo import GridIndex

CELL_M = 1000.0


@dataclass
class NeedDiag:
    """Why a need has (no) candidates; counts of resources passing each filter in order."""

    in_reach: int = 0
    eligible: int = 0
    window_fits: int = 0
    sex_fits: int = 0
    declined: int = 0
    full: int = 0


@dataclass
class CandidateSet:
    """Parallel lists, one entry per candidate, sorted by (need index, resource index, block index).

    ``days[n]`` are need n's occurrence day keys; a candidate occupies ``day_keys(n, offset)`` of its block.
    """

    need: list[int] = field(default_factory=list)
    res: list[int] = field(default_factory=list)
    block: list[int] = field(default_factory=list)
    offset: list[int] = field(default_factory=list)
    cap: list[int] = field(default_factory=list)
    dist: list[int] = field(default_factory=list)
    diag: list[NeedDiag] = field(default_factory=list)
    days: list[tuple[int, ...]] = field(default_factory=list)
    weekday_mode: bool = True

    def __len__(self) -> int:
        return len(self.need)

    def day_keys(self, n: int, offset: int) -> tuple[int, ...]:
        if not offset:
            return self.days[n]
        if self.weekday_mode:
            return tuple((k + offset) % 7 for k in self.days[n])
        return tuple(k + offset for k in self.days[n])


def need_days(problem: Problem, need: Need) -> tuple[int, ...]:
    """The need's occurrence day keys in the horizon (weekdays without a horizon)."""
    if problem.horizon_start is None or problem.horizon_end is None:
        return tuple(sorted(set(need.weekdays)))
    lo, hi = _date(problem.horizon_start), _date(problem.horizon_end)
    if need.starts_on:
        lo = max(lo, _date(need.starts_on))
    if need.ends_on:
        hi = min(hi, _date(need.ends_on))
    return _days_between(lo, hi, need.weekdays)


_date = functools.lru_cache(maxsize=4096)(dt.date.fromisoformat)


@functools.lru_cache(maxsize=4096)
def _days_between(first: dt.date, last: dt.date, weekdays: tuple[int, ...]) -> tuple[int, ...]:
    """Ordinals of the dates first..last (inclusive) on the weekdays; needs share a few patterns, so a
    city-scale problem computes each once."""
    wd = set(weekdays)
    return tuple(o for o in range(first.toordinal(), last.toordinal() + 1) if dt.date.fromordinal(o).weekday() in wd)


def block_fit(need: Need, start: int, end_abs: int, weekdays: tuple[int, ...]) -> int | None:
    """The offset (0 same day, 1 next day) at which a block fits the need's window on every pattern day."""
    hall = need.category == "HALL"
    wset = set(weekdays)
    for off in (0, 1):
        bs, be = start + off * 1440, end_abs + off * 1440
        inside = (
            (need.start_min <= bs and be <= need.end_abs) if hall else need.start_min <= bs < need.end_abs
        )
        if inside and all((d + off) % 7 in wset for d in need.weekdays):
            return off
    return None


def sex_ok(need_sex: str, block_sex: str) -> bool:
    return need_sex == "ANY" or block_sex == "ANY" or need_sex == block_sex


def eligible(need: Need, res: Resource) -> bool:
    if res.target_group != "ANYONE" and res.target_group != need.target_group:
        return False
    return not (need.category == "HALL" and res.capacity < need.quantity)


def free_overrides(problem: Problem) -> dict[tuple[int, int, int], int]:
    """(resource index, block index, day key) -> free capacity, from ``Problem.free_capacity``."""
    if problem.horizon_start is None:
        return {}
    rix = {r.key: i for i, r in enumerate(problem.resources)}
    out: dict[tuple[int, int, int], int] = {}
    for f in problem.free_capacity:
        if f.resource_key in rix:
            out[(rix[f.resource_key], f.block_index, dt.date.fromisoformat(f.date).toordinal())] = f.free
    return out


def build(problem: Problem) -> CandidateSet:
    """All candidates of the problem; deterministic (sorted by need, resource, block)."""
    cs = CandidateSet(weekday_mode=problem.horizon_start is None)
    overrides = free_overrides(problem)
    over_blocks = {(r, b) for (r, b, _) in overrides}
    comm = {c.key: c for c in problem.communities}
    declined = set(problem.declined)
    by_cat: dict[str, list[int]] = defaultdict(list)
    for i, resource in enumerate(problem.resources):
        by_cat[resource.category].append(i)
    index = {
        cat: (
            np.array(ix, dtype=np.int64),
            GridIndex(
                np.array([problem.resources[i].lat for i in ix]),
                np.array([problem.resources[i].lon for i in ix]),
                CELL_M,
            ),
        )
        for cat, ix in by_cat.items()
    }
    fit_cache: dict[tuple[object, ...], list[tuple[int, int, bool]]] = {}
    # needs of one community share their reach: (category, community, radius) -> (indices, distances)
    reach_cache: dict[tuple[str, str, int], tuple[list[int], list[float]]] = {}
    rsig = [tuple((b.weekdays, b.start_min, b.end_abs, b.sex) for b in r.blocks) for r in problem.resources]
    for n, need in enumerate(problem.needs):
        diag = NeedDiag()
        cs.diag.append(diag)
        days = need_days(problem, need)
        cs.days.append(days)
        if need.category not in index:
            continue
        reach_key = (need.category, need.community_key, need.max_distance_m)
        reach = reach_cache.get(reach_key)
        if reach is None:
            ids, grid = index[need.category]
            c = comm[need.community_key]
            local, dists = grid.within(c.lat, c.lon, float(need.max_distance_m))
            reach = reach_cache[reach_key] = (ids[local].tolist(), dists.tolist())
        nsig = (need.weekdays, need.start_min, need.end_abs, need.sex, need.category == "HALL")
        for r, d in zip(*reach, strict=True):
            res = problem.resources[r]
            diag.in_reach += 1
            if not eligible(need, res):
                continue
            diag.eligible += 1
            key = (nsig, rsig[r])
            fits = fit_cache.get(key)
            if fits is None:
                fits = []
                for blk in res.blocks:
                    off = block_fit(need, blk.start_min, blk.end_abs, blk.weekdays)
                    if off is not None:
                        fits.append((blk.index, off, sex_ok(need.sex, blk.sex)))
                fit_cache[key] = fits
            if not fits:
                continue
            diag.window_fits += 1
            if not any(ok for _, _, ok in fits):
                continue
            diag.sex_fits += 1
            if (need.key, res.key) in declined:
                diag.declined += 1
                continue
            any_free = False
            for b, off, ok in fits:
                if not ok or not days:
                    continue
                cap = res.blocks[b].capacity
                if (r, b) in over_blocks:
                    cap = min(overrides.get((r, b, k), cap) for k in cs.day_keys(n, off))
                if cap <= 0:
                    continue
                any_free = True
                cs.need.append(n)
                cs.res.append(r)
                cs.block.append(b)
                cs.offset.append(off)
                cs.cap.append(min(cap, need.units))
                cs.dist.append(int(d))
            if not any_free:
                diag.full += 1
    return cs
