"""Repair a relaxed solution into a feasible one, then fill leftover capacity.

Feasible means (see :mod:`matching.solver.part`): every capacity row within its free capacity, each
need's total within its units, at most ``k`` sites per need, and every site's total for a need either 0 or
at least the minimum piece. :class:`State` keeps those sums incrementally; ``add``/``remove`` never break
the capacity rows (callers ask ``residual`` first), and :func:`repair` restores the split rules.
"""

from __future__ import annotations

from collections import defaultdict

from .part import Part


class State:
    """An integral assignment ``x`` (units per candidate) with its derived sums."""

    def __init__(self, part: Part, x: list[int] | None = None) -> None:
        self.part = part
        self.x = [0] * part.size
        self.usage = [0] * len(part.pool_cap)
        self.need_total = [0] * len(part.need_keys)
        self.site_total: dict[tuple[int, int], int] = defaultdict(int)
        self.sites: list[set[int]] = [set() for _ in part.need_keys]
        self.by_need: list[list[int]] = [[] for _ in part.need_keys]
        self.by_site: dict[tuple[int, int], list[int]] = defaultdict(list)
        for c in range(part.size):
            self.by_need[part.cand_need[c]].append(c)
            self.by_site[(part.cand_need[c], part.cand_site[c])].append(c)
        if x is not None:
            for c, q in enumerate(x):
                if q:
                    self._apply(c, q)

    def _apply(self, c: int, q: int) -> None:
        p = self.part
        self.x[c] += q
        for row in p.cand_pools[c]:
            self.usage[row] += q
        n, s = p.cand_need[c], p.cand_site[c]
        self.need_total[n] += q
        self.site_total[(n, s)] += q
        if self.site_total[(n, s)] > 0:
            self.sites[n].add(s)
        else:
            self.sites[n].discard(s)

    def residual(self, c: int) -> int:
        """Units candidate ``c`` can still take without breaking a capacity row or its own cap."""
        p = self.part
        room = p.cand_cap[c] - self.x[c]
        for row in p.cand_pools[c]:
            room = min(room, p.pool_cap[row] - self.usage[row])
        return max(0, room)

    def add(self, c: int, q: int) -> None:
        if q:
            self._apply(c, q)

    def remove(self, c: int, q: int) -> None:
        if q:
            self._apply(c, -q)

    def site_residual(self, n: int, s: int) -> int:
        return sum(self.residual(c) for c in self.by_site[(n, s)])

    def served(self) -> int:
        return sum(self.need_total)

    def alloc(self) -> tuple[tuple[int, int], ...]:
        return tuple((c, q) for c, q in enumerate(self.x) if q > 0)


def _value_key(part: Part, c: int) -> tuple[int, int, int]:
    """Lower sorts first = removed first: low priority, not kept from before, far."""
    return (part.need_priority[part.cand_need[c]], min(part.cand_prev[c], 1), -part.cand_dist[c])


def repair(part: Part, x: list[int]) -> State:
    """Capacity rows first (cut the least valuable units), then split rules (keep the k largest sites,
    drop sites below the minimum piece). The result is feasible."""
    st = State(part, x)
    users: dict[int, list[int]] = defaultdict(list)
    for c in range(part.size):
        if st.x[c]:
            for row in part.cand_pools[c]:
                users[row].append(c)
    for row in sorted(users):
        excess = st.usage[row] - part.pool_cap[row]
        if excess <= 0:
            continue
        for c in sorted(users[row], key=lambda c: _value_key(part, c)):
            cut = min(excess, st.x[c])
            st.remove(c, cut)
            excess -= cut
            if excess <= 0:
                break
    for n in range(len(part.need_keys)):
        enforce_split(st, n)
    return st


def enforce_split(st: State, n: int) -> None:
    part = st.part
    sites = sorted(st.sites[n], key=lambda s: (-st.site_total[(n, s)], s))
    for rank, s in enumerate(sites):
        if rank >= part.need_k[n] or st.site_total[(n, s)] < part.need_m[n]:
            for c in st.by_site[(n, s)]:
                st.remove(c, st.x[c])


def _nearest(part: Part, cands: list[int]) -> list[int]:
    return sorted(cands, key=lambda c: (part.cand_dist[c], c))


def fill_need(st: State, n: int, nearest_first: bool = False) -> int:
    """Serve as much of need n's remainder as the split rules and residual capacity allow; returns units
    added. Existing sites grow first; a new site opens only for a full minimum piece, preferring (unless
    ``nearest_first``) a site that can take the whole remainder, else the one taking most."""
    part = st.part
    added = 0
    rem = part.need_units[n] - st.need_total[n]
    for s in sorted(st.sites[n]):
        for c in _nearest(part, st.by_site[(n, s)]):
            q = min(rem, st.residual(c))
            st.add(c, q)
            rem -= q
            added += q
    site_dist: dict[int, int] = {}
    for c in st.by_need[n]:
        s = part.cand_site[c]
        site_dist[s] = min(site_dist.get(s, 1 << 30), part.cand_dist[c])
    while rem >= part.need_m[n] and rem > 0 and len(st.sites[n]) < part.need_k[n]:
        options = []
        for s in sorted(site_dist, key=lambda s: (site_dist[s], s)):
            if s not in st.sites[n]:
                room = min(rem, st.site_residual(n, s))
                if room >= part.need_m[n]:
                    options.append((room, s))
        if not options:
            break
        if nearest_first:
            room, s = options[0]
        else:
            covering = [o for o in options if o[0] == rem]
            room, s = covering[0] if covering else max(options, key=lambda o: (o[0], -site_dist[o[1]], -o[1]))
        for c in _nearest(part, st.by_site[(n, s)]):
            q = min(room, st.residual(c))
            st.add(c, q)
            room -= q
            rem -= q
            added += q
    return added


def fill(st: State) -> None:
    """Fill passes until nothing changes: needs by priority (high first), then their community's share
    (low first), then need index — the same order every time (deterministic)."""
    part = st.part
    demand: dict[str, int] = defaultdict(int)
    for n, c in enumerate(part.need_community):
        demand[c] += part.need_units[n]
    changed = True
    while changed:
        changed = False
        served: dict[str, int] = defaultdict(int)
        for n, c in enumerate(part.need_community):
            served[c] += st.need_total[n]
        order = sorted(
            range(len(part.need_keys)),
            key=lambda n: (
                -part.need_priority[n],
                served[part.need_community[n]] / max(1, demand[part.need_community[n]]),
                n,
            ),
        )
        for n in order:
            if st.need_total[n] < part.need_units[n] and fill_need(st, n):
                changed = True
