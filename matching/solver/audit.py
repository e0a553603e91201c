"""Feasibility audit of any solution, recomputed from the Problem alone (no solver data is trusted).

Checked, allocation by allocation and block-day by block-day: known need/resource/block, category,
eligibility (target group, hall size, session sex), not a declined pair, great-circle distance within the
need's limit, the block serves the need on every day of its pattern, positive integral units (halls: 1),
need totals within demand, split rules (k sites, minimum piece), and for every (resource, block, day key)
the units of all allocations occupying it within the free capacity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .candidates import block_fit, eligible, free_overrides, need_days, sex_ok
from .domain import Allocation, Problem, SolveSettings
from .geo import distance_m


class AuditError(AssertionError):
    """Raised by :func:`check` with the list of violations."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__(f"{len(violations)} violation(s): " + "; ".join(violations[:10]))
        self.violations = violations


def violations(problem: Problem, allocations: Iterable[Allocation], settings: SolveSettings) -> list[str]:
    """Every broken rule, as readable strings (empty when the solution is feasible)."""
    needs = {n.key: n for n in problem.needs}
    rix = {r.key: i for i, r in enumerate(problem.resources)}
    comm = {c.key: c for c in problem.communities}
    declined = set(problem.declined)
    overrides = free_overrides(problem)
    weekday_mode = problem.horizon_start is None
    out: list[str] = []
    need_total: dict[str, int] = defaultdict(int)
    site_total: dict[tuple[str, str], int] = defaultdict(int)
    usage: dict[tuple[int, int, int], int] = defaultdict(int)
    for a in allocations:
        tag = f"{a.need_key}->{a.resource_key}#{a.block_index}"
        need = needs.get(a.need_key)
        if need is None or a.resource_key not in rix:
            out.append(f"{tag}: unknown need or resource")
            continue
        r = rix[a.resource_key]
        res = problem.resources[r]
        if not 0 <= a.block_index < len(res.blocks):
            out.append(f"{tag}: unknown block")
            continue
        block = res.blocks[a.block_index]
        if a.quantity <= 0 or (need.category == "HALL" and a.quantity != 1):
            out.append(f"{tag}: bad quantity {a.quantity}")
        if res.category != need.category:
            out.append(f"{tag}: category {res.category} != {need.category}")
        if not eligible(need, res) or not sex_ok(need.sex, block.sex):
            out.append(f"{tag}: not eligible")
        if (need.key, res.key) in declined:
            out.append(f"{tag}: declined by the unit")
        home = comm[need.community_key]
        d = distance_m(home.lat, home.lon, res.lat, res.lon)
        if d > need.max_distance_m + 1e-6:
            out.append(f"{tag}: distance {d:.0f} m > {need.max_distance_m} m")
        if abs(a.distance_m - d) > 1.5:
            out.append(f"{tag}: reported distance {a.distance_m} != {d:.0f}")
        off = block_fit(need, block.start_min, block.end_abs, block.weekdays)
        if off is None:
            out.append(f"{tag}: block does not serve the need's window on every pattern day")
            continue
        need_total[need.key] += a.quantity
        site_total[(need.key, res.key)] += a.quantity
        for k in need_days(problem, need):
            key = (k + off) % 7 if weekday_mode else k + off
            usage[(r, a.block_index, key)] += a.quantity
    for nkey, total in need_total.items():
        if total > needs[nkey].units:
            out.append(f"{nkey}: served {total} > demand {needs[nkey].units}")
    sites: dict[str, int] = defaultdict(int)
    for (nk, rk), total in site_total.items():
        need = needs[nk]
        sites[nk] += 1
        m = min(settings.m_for(need.category), need.units)
        if total < m:
            out.append(f"{nk}->{rk}: piece {total} < minimum {m}")
    for nk, count in sites.items():
        k = settings.k_for(needs[nk].category)
        if count > k:
            out.append(f"{nk}: {count} sites > {k}")
    for (r, b, day), used in sorted(usage.items()):
        free = overrides.get((r, b, day), problem.resources[r].blocks[b].capacity)
        if used > free:
            out.append(f"{problem.resources[r].key}#{b} day {day}: {used} > free {free}")
    return out


def check(problem: Problem, allocations: Iterable[Allocation], settings: SolveSettings) -> None:
    """Raise :class:`AuditError` if the solution breaks any rule."""
    found = violations(problem, allocations, settings)
    if found:
        raise AuditError(found)


def part_violations(parts: Iterable[tuple[Iterable[str], Iterable[str]]]) -> list[str]:
    """What crosses independent parts, each given as (its needs' keys, the keys of resources it allocated):
    a need in two parts, or a resource allocated by two parts (every other rule lies inside one part and is
    checked there by :func:`check`)."""
    out: list[str] = []
    need_part: dict[str, int] = {}
    resource_part: dict[str, int] = {}
    for i, (needs, resources) in enumerate(parts):
        for key in needs:
            if need_part.setdefault(key, i) != i:
                out.append(f"{key}: in parts {need_part[key]} and {i}")
        for key in set(resources):
            if resource_part.setdefault(key, i) != i:
                out.append(f"{key}: allocated by parts {resource_part[key]} and {i}")
    return out


def check_parts(parts: Iterable[tuple[Iterable[str], Iterable[str]]]) -> None:
    """Raise :class:`AuditError` if independent parts share a need or an allocated resource."""
    found = part_violations(parts)
    if found:
        raise AuditError(found)
