"""The baseline: round-robin over communities, each taking its next need (priority first) and serving it
from the nearest sites that can take a minimum piece. Feasible by construction (same rules as fill)."""

from __future__ import annotations

from collections import defaultdict, deque

from .part import Part
from .repair import State, fill_need


def solve(part: Part) -> State:
    """Deterministic: communities in key order, needs by (priority desc, index)."""
    st = State(part)
    queues: dict[str, deque[int]] = defaultdict(deque)
    for n in sorted(range(len(part.need_keys)), key=lambda n: (-part.need_priority[n], n)):
        queues[part.need_community[n]].append(n)
    ring = [queues[c] for c in sorted(queues)]
    while ring:
        for q in ring:
            fill_need(st, q.popleft(), nearest_first=True)
        ring = [q for q in ring if q]
    return st
