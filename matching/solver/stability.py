"""The stability stage without CP-SAT: keep the previous proposals without giving up served units,
priority or fairness.

The search (flow, LP, repair, fill, CP-SAT) does not see the previous proposals, so the same input finds
the same answer ``F``. A run's answer must be at least as good as ``F`` on levels 1 and 2 (served units,
then priority and fairness): then a second run on the same input finds its previous proposals as good as
``F`` and keeps them verbatim (0 units move). Among such answers, level 3 wants as many previous units
kept as possible. :func:`stabilize` builds two and takes the one that keeps more:

- ``F`` with needs moved back, one at a time, to their previous pieces (:func:`keep_previous`);
- the previous proposals repaired and filled, then needs that it serves less than ``F`` does moved to
  their pieces in ``F`` (:func:`climb`) — taken only if it reaches ``F`` on levels 1 and 2.

A move changes one need's pieces and leaves every other need as it was, so only that need's units count:
:func:`keep_previous` takes a move when the need keeps more previous units and at least its units (levels
1 and 2 are non-decreasing in any need's units, so they never fall); :func:`climb` when the need gets
more units. Passes repeat while a move was taken, needs in index order: deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from . import objective
from .part import Part
from .repair import State, enforce_split, fill, fill_need, repair

MAX_PASSES = 4
Pieces = list[tuple[int, int]]


def stabilize(found: State) -> State:
    """The answer with levels 1 and 2 at least ``found``'s that keeps the most previous units (then
    walks least) of the two constructions above."""
    part = found.part
    floor = _levels12(found)
    options = [keep_previous(found)]
    again = repair(part, list(part.cand_prev))
    fill(again)
    climbed = climb(again, found)
    if _levels12(climbed) >= floor:
        options.append(keep_previous(climbed))
    return max(options, key=lambda st: (objective.level3(part, st.x), objective.key(part, st)))


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
    return _passes(found, targets, lambda st, n: (st.need_total[n], _kept(part, st, prev_of[n])))


def climb(start: State, found: State) -> State:
    """``start`` with every need it serves less than ``found`` does moved to its pieces in ``found``
    where they fit (topped up by a fill), when that serves the need more."""
    targets = {
        n: [(c, found.x[c]) for c in found.by_need[n] if found.x[c]]
        for n in range(len(start.part.need_keys))
        if start.need_total[n] < found.need_total[n]
    }
    return _passes(start, targets, lambda st, n: (st.need_total[n],))


def _passes(start: State, targets: dict[int, Pieces], score: Callable[[State, int], tuple[int, ...]]) -> State:
    """A copy of ``start`` where each need in ``targets`` (in index order) takes its target pieces when
    that raises its ``score`` (no component lower, one higher); passes repeat while a move was taken."""
    st = State(start.part, list(start.x))
    for _ in range(MAX_PASSES):
        moved = False
        for n in sorted(targets):
            before = score(st, n)
            old = _take(st, n, targets[n])
            after = score(st, n)
            if after != before and all(a >= b for a, b in zip(after, before, strict=True)):
                moved = True
            else:
                _take(st, n, old, top_up=False)
        if not moved:
            break
    return st


def _take(st: State, n: int, pieces: Pieces, top_up: bool = True) -> Pieces:
    """Need ``n`` gives up its pieces and takes ``pieces`` where they fit, split rules enforced, topped up
    by a fill; returns its old pieces (taking them back with ``top_up=False`` undoes the move exactly:
    nothing else changed meanwhile)."""
    part = st.part
    old = [(c, st.x[c]) for c in st.by_need[n] if st.x[c]]
    for c, q in old:
        st.remove(c, q)
    for c, q in pieces:
        st.add(c, min(q, st.residual(c)))
    if top_up:
        enforce_split(st, n)
        if st.need_total[n] < part.need_units[n]:
            fill_need(st, n)
    return old
