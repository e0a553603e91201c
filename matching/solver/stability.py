"""The stability stage without CP-SAT: keep the previous proposals without giving up served units,
priority or fairness.

The search (flow, LP, repair, fill, CP-SAT) does not see the previous proposals, so the same input finds
the same answer ``F``. A run's answer must be at least as good as ``F`` on levels 1 and 2 (served units,
then priority and fairness): then a second run on the same input finds its previous proposals as good as
``F`` and keeps them verbatim (0 units move). Among such answers, level 3 wants as many previous units
kept as possible. :func:`stabilize` builds two and takes the one that keeps more:

- ``F`` with needs moved back, one at a time, to their previous pieces (:func:`keep_previous`);
- the previous proposals repaired and filled, then needs that it serves less than ``F`` does moved to
  their pieces in ``F`` (:func:`climb`; where that is stuck, :func:`evict` exchanges: the need takes its
  pieces in ``F`` by evicting the units in its way) — taken only if it reaches ``F`` on levels 1 and 2.

Both are passes of one-need moves (:mod:`matching.solver.moves`): :func:`keep_previous` takes a move when
the need keeps more previous units and at least its units (levels 1 and 2 are non-decreasing in any
need's units, so they never fall); :func:`climb` when the need gets more units.
"""

from __future__ import annotations

from collections import defaultdict

from . import objective
from .moves import passes, take
from .part import Part
from .repair import State, enforce_split, fill, repair

MAX_ROUNDS = 3


def stabilize(found: State) -> State:
    """Of the two constructions above, the one that keeps more previous units (then the better on level
    3, which also weighs distance); both are at least ``found`` on levels 1 and 2."""
    part = found.part
    floor = _levels12(found)
    options = [keep_previous(found)]
    again = repair(part, list(part.cand_prev))
    fill(again)
    climbed = climb(again, found)
    for _ in range(MAX_ROUNDS):  # exchanges where one-need moves are stuck, while they gain
        if _levels12(climbed) >= floor:
            break
        nxt = climb(evict(climbed, found), found)
        fill(nxt)
        if _levels12(nxt) <= _levels12(climbed):
            break
        climbed = nxt
    if _levels12(climbed) >= floor:
        options.append(keep_previous(climbed))
    return max(options, key=lambda st: (kept_units(st), objective.level3(part, st.x), objective.key(part, st)))


def kept_units(st: State) -> int:
    """Units of the previous proposals the state keeps on the same candidate."""
    return sum(min(p, q) for p, q in zip(st.part.cand_prev, st.x, strict=True))


def _levels12(st: State) -> tuple[int, int]:
    return st.served(), objective.level2(st.part, st.x)


def _kept(part: Part, st: State, cands: list[int]) -> int:
    return sum(min(part.cand_prev[c], st.x[c]) for c in cands)


def keep_previous(found: State) -> State:
    """``found`` with needs moved back to their previous pieces where those fit (topped up by a fill),
    when the need keeps more previous units and at least its units."""
    part = found.part
    prev_of: dict[int, list[int]] = defaultdict(list)
    for c in range(part.size):
        if part.cand_prev[c]:
            prev_of[part.cand_need[c]].append(c)
    targets = {n: [(c, part.cand_prev[c]) for c in cs] for n, cs in prev_of.items()}
    return passes(found, targets, lambda st, n: (st.need_total[n], _kept(part, st, prev_of[n])))


def climb(start: State, found: State) -> State:
    """``start`` with every need it serves less than ``found`` does moved to its pieces in ``found``
    where they fit (topped up by a fill), when that serves the need more."""
    targets = {
        n: [(c, found.x[c]) for c in found.by_need[n] if found.x[c]]
        for n in range(len(start.part.need_keys))
        if start.need_total[n] < found.need_total[n]
    }
    return passes(start, targets, lambda st, n: (st.need_total[n],))


def evict(start: State, found: State) -> State:
    """``start`` where each need still served less than in ``found`` takes its pieces in ``found`` by
    evicting the units in its way (needs evicted then take their own pieces in ``found``, topped up by a
    fill); each such exchange is kept only if it raises served units, priority and fairness as a whole."""
    part = start.part
    st = State(part, list(start.x))
    users: dict[int, list[int]] = defaultdict(list)
    for c in range(part.size):
        for row in part.cand_pools[c]:
            users[row].append(c)
    for n in range(len(part.need_keys)):
        if st.need_total[n] >= found.need_total[n]:
            continue
        before, snapshot = _levels12(st), list(st.x)
        pieces = [(c, found.x[c]) for c in found.by_need[n] if found.x[c]]
        evicted: set[int] = set()
        for c in st.by_need[n]:
            st.remove(c, st.x[c])
        for c, q in pieces:
            for row in part.cand_pools[c]:
                excess = st.usage[row] + q - part.pool_cap[row]
                for other in users[row]:
                    if excess <= 0:
                        break
                    if not st.x[other]:
                        continue
                    cut = min(excess, st.x[other])
                    st.remove(other, cut)
                    evicted.add(part.cand_need[other])
                    excess -= cut
            st.add(c, min(q, st.residual(c)))
        for m in sorted(evicted):
            enforce_split(st, m)
            take(st, m, [(c, found.x[c]) for c in found.by_need[m] if found.x[c]])
        if _levels12(st) <= before:
            st = State(part, snapshot)
    return st
