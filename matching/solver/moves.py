"""One-need moves: a need gives up its pieces and takes others, every other need stays as it was.

Because nothing else changes, a move is judged by the need alone: served units, and every community's
served units, change by exactly the need's change, so a move that does not lower the need's units never
lowers levels 1 and 2 of the objective (both are non-decreasing in any need's units). :func:`passes`
repeats moves over the needs in index order while one is taken: deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

from .repair import State, enforce_split, fill_need

MAX_PASSES = 4
Pieces = list[tuple[int, int]]


def passes(start: State, targets: dict[int, Pieces], score: Callable[[State, int], tuple[int, ...]]) -> State:
    """A copy of ``start`` where each need in ``targets`` (in index order) takes its target pieces when
    that raises its ``score`` (no component lower, one higher); passes repeat while a move was taken."""
    st = State(start.part, list(start.x))
    for _ in range(MAX_PASSES):
        moved = False
        for n in sorted(targets):
            if all(st.x[c] == q for c, q in targets[n]) and st.need_total[n] == sum(q for _, q in targets[n]):
                continue  # the need has exactly its target pieces already
            before = score(st, n)
            old = take(st, n, targets[n])
            after = score(st, n)
            if after != before and all(a >= b for a, b in zip(after, before, strict=True)):
                moved = True
            else:
                take(st, n, old, top_up=False)
        if not moved:
            break
    return st


def take(st: State, n: int, pieces: Pieces, top_up: bool = True) -> Pieces:
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


def toward(start: State, other: State) -> State:
    """``start`` with needs moved to their pieces in ``other`` where that serves them more, or as much
    walking less (distance summed over the need's units)."""
    part = start.part

    def score(st: State, n: int) -> tuple[int, int]:
        return st.need_total[n], -sum(part.cand_dist[c] * st.x[c] for c in st.by_need[n])

    targets = {
        n: [(c, other.x[c]) for c in other.by_need[n] if other.x[c]]
        for n in range(len(part.need_keys))
        if other.need_total[n]
    }
    return passes(start, targets, score)
