"""Exact decomposition into independent parts, and optional geographic tiling of huge parts.

Needs and resources that share no candidate share no variable or constraint, so the connected components
of the (need, resource) candidate graph, per category, are solved independently without loss. A part with
more than ``SolveSettings.tile_max_candidates`` candidates is cut into square tiles of ``tile_km``: each
tile keeps its needs and the candidates to resources inside the tile; the cross-tile candidates are left
to the border fill of :func:`matching.solver.api.merge` (a measured loss of about 1 %).
"""

from __future__ import annotations

import math
from collections import defaultdict

from .candidates import (
    CandidateSet,
    free_overrides,  # local: only parts need the per-day free capacity
)
from .domain import Problem, SolveSettings
from .geo import EARTH_RADIUS_M
from .part import Part


def useful(problem: Problem, cs: CandidateSet, settings: SolveSettings) -> list[int]:
    """Candidate indices whose site can hold a minimum piece for the need (others can never be used)."""
    site_cap: dict[tuple[int, int], int] = defaultdict(int)
    for c in range(len(cs)):
        site_cap[(cs.need[c], cs.res[c])] += cs.cap[c]
    out = []
    for c in range(len(cs)):
        need = problem.needs[cs.need[c]]
        m = min(settings.m_for(need.category), need.units)
        if site_cap[(cs.need[c], cs.res[c])] >= m:
            out.append(c)
    return out


def _components(cs: CandidateSet, cands: list[int], n_needs: int) -> list[list[int]]:
    parent = list(range(n_needs))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    first_need_of_res: dict[int, int] = {}
    for c in cands:
        n, r = cs.need[c], cs.res[c]
        if r in first_need_of_res:
            a, b = find(n), find(first_need_of_res[r])
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            first_need_of_res[r] = n
    groups: dict[int, list[int]] = defaultdict(list)
    for c in cands:
        groups[find(cs.need[c])].append(c)
    return [groups[k] for k in sorted(groups)]


def _tiles(problem: Problem, cs: CandidateSet, cands: list[int], tile_km: float) -> list[list[int]]:
    comm = {c.key: c for c in problem.communities}
    step = tile_km * 1000.0 / (math.pi * EARTH_RADIUS_M / 180.0)

    def tile(lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / step), math.floor(lon * math.cos(math.radians(lat)) / step))

    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for c in cands:
        need = problem.needs[cs.need[c]]
        home = comm[need.community_key]
        res = problem.resources[cs.res[c]]
        t = tile(home.lat, home.lon)
        if tile(res.lat, res.lon) == t:
            groups[t].append(c)
    return [groups[k] for k in sorted(groups)]


def make_part(
    problem: Problem,
    cs: CandidateSet,
    cands: list[int],
    settings: SolveSettings,
    index: int,
    tiled: bool = False,
) -> Part:
    """Build the plain-data Part of the given candidate indices (sorted)."""
    cands = sorted(cands)
    need_ids = sorted({cs.need[c] for c in cands})
    site_ids = sorted({cs.res[c] for c in cands})
    nloc = {n: i for i, n in enumerate(need_ids)}
    sloc = {r: i for i, r in enumerate(site_ids)}
    needs = [problem.needs[n] for n in need_ids]
    prev: dict[tuple[str, str, int], int] = defaultdict(int)
    keyset = {n.key for n in needs}
    for pa in problem.previous:
        if pa.need_key in keyset:
            prev[(pa.need_key, pa.resource_key, pa.block_index)] += pa.quantity
    overrides = free_overrides(problem)
    # capacity rows: (resource, block, day key) -> users; merged when the users are the same
    users: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    flow_groups: dict[tuple[int, int, tuple[int, ...]], list[int]] = defaultdict(list)
    for i, c in enumerate(cands):
        r, b = cs.res[c], cs.block[c]
        keys = cs.day_keys(cs.need[c], cs.offset[c])
        for k in keys:
            users[(r, b, k)].append(i)
        flow_groups[(r, b, keys)].append(i)
    rows: dict[tuple[int, int, tuple[int, ...]], int] = {}
    for (r, b, k), us in users.items():
        free = overrides.get((r, b, k), problem.resources[r].blocks[b].capacity)
        rk = (r, b, tuple(us))
        rows[rk] = min(rows.get(rk, free), free)
    row_keys = sorted(rows)
    cand_pools: list[list[int]] = [[] for _ in cands]
    for row, (_, _, row_users) in enumerate(row_keys):
        for i in row_users:
            cand_pools[i].append(row)
    flow_keys = sorted(flow_groups)
    cand_flow_pool = [0] * len(cands)
    flow_cap = []
    for fp, fk in enumerate(flow_keys):
        r, b, keys = fk
        flow_cap.append(min(overrides.get((r, b, k), problem.resources[r].blocks[b].capacity) for k in keys))
        for i in flow_groups[fk]:
            cand_flow_pool[i] = fp
    by_block: dict[tuple[int, int], list[set[int]]] = defaultdict(list)
    for r, b, keys in flow_keys:
        by_block[(r, b)].append(set(keys))
    flow_exact = all(
        not (a & b) for sets in by_block.values() for i, a in enumerate(sets) for b in sets[i + 1 :]
    )
    return Part(
        index=index,
        category=needs[0].category,
        need_keys=tuple(n.key for n in needs),
        need_community=tuple(n.community_key for n in needs),
        need_units=tuple(n.units for n in needs),
        need_priority=tuple(n.priority for n in needs),
        need_k=tuple(settings.k_for(n.category) for n in needs),
        need_m=tuple(min(settings.m_for(n.category), n.units) for n in needs),
        site_keys=tuple(problem.resources[r].key for r in site_ids),
        cand_need=tuple(nloc[cs.need[c]] for c in cands),
        cand_site=tuple(sloc[cs.res[c]] for c in cands),
        cand_block=tuple(cs.block[c] for c in cands),
        cand_cap=tuple(cs.cap[c] for c in cands),
        cand_dist=tuple(cs.dist[c] for c in cands),
        cand_prev=tuple(
            min(
                prev.get((problem.needs[cs.need[c]].key, problem.resources[cs.res[c]].key, cs.block[c]), 0),
                cs.cap[c],
            )
            for c in cands
        ),
        cand_pools=tuple(tuple(p) for p in cand_pools),
        cand_flow_pool=tuple(cand_flow_pool),
        pool_cap=tuple(rows[k] for k in row_keys),
        flow_pool_cap=tuple(flow_cap),
        flow_exact=flow_exact,
        tiled=tiled,
    )


def split(problem: Problem, cs: CandidateSet, settings: SolveSettings) -> list[Part]:
    """Parts ordered by (category, first need); deterministic. Needs without candidates are in none."""
    by_cat: dict[str, list[int]] = defaultdict(list)
    for c in useful(problem, cs, settings):
        by_cat[problem.needs[cs.need[c]].category].append(c)
    groups: list[tuple[list[int], bool]] = []
    for cat in sorted(by_cat):
        for comp in _components(cs, by_cat[cat], len(problem.needs)):
            if settings.tile_max_candidates and len(comp) > settings.tile_max_candidates:
                groups.extend((t, True) for t in _tiles(problem, cs, comp, settings.tile_km))
            else:
                groups.append((comp, False))
    return [make_part(problem, cs, g, settings, i, tiled) for i, (g, tiled) in enumerate(groups)]
