"""The part's objective levels as integers, and the previous proposals as a state.

Levels (matching/README.md, the objective): 1 served units; 2 priority then fairness tiers (one integer, priority
weighted to dominate); 3 stability then distance (a kept unit of the previous proposals is worth more than
the largest distance step, ``w_stab > max(dist)``). CP-SAT (``cpsat``) optimises the same level 2,
built from :func:`level2_weights` and :func:`community_tiers`, so a Python comparison and a CP-SAT
objective never disagree.

Why the previous proposals are kept verbatim when they are as good at levels 1 and 2: for a fixed level 1
and 2, the previous state ``P`` maximises level 3 — any other state ``Z`` keeps ``kept(Z) < served(P)``
units and saves at most ``max(dist)`` per unit it does not keep, less than the ``w_stab`` it loses. So ``P``
is the unique optimum of the stability stage, and a second run on unchanged input returns it unchanged.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from .flow import tier_widths, tight_caps, weights
from .part import Part
from .repair import State

SECONDARY_CYCLE = 8
TIERS = (0.25, 0.5, 0.75, 1.0)
DIST_STEP_M = 10


def dist_steps(part: Part) -> list[int]:
    return [d // DIST_STEP_M for d in part.cand_dist]


def _weights(part: Part) -> list[int]:
    return weights(SECONDARY_CYCLE, len(TIERS), max(dist_steps(part), default=0))[0]


def community_tiers(part: Part) -> dict[str, list[int]]:
    """Per community (sorted): the widths of its fairness tiers over its servable demand."""
    tight = tight_caps(part)
    demand: dict[str, int] = defaultdict(int)
    for n, com in enumerate(part.need_community):
        demand[com] += tight[n]
    return {com: tier_widths(demand[com], TIERS) for com in sorted(demand)}


def level2_weights(part: Part) -> tuple[int, int]:
    """(weight of a unit per priority point, weight of a unit in the lowest fairness tier)."""
    w_prio, w_fair, _, _ = _weights(part)
    return w_prio, w_fair


def level3_weights(part: Part) -> tuple[int, int]:
    """(bonus per kept previous unit, cost per distance step per unit); bonus > the largest step."""
    _, _, w_stab, w_dist = _weights(part)
    return w_stab, w_dist


def level2(part: Part, x: list[int]) -> int:
    """Priority and fairness of an assignment: every community's units fill its tiers in order."""
    w_prio, w_fair = level2_weights(part)
    value = 0
    served: dict[str, int] = defaultdict(int)
    for c, q in enumerate(x):
        if q:
            n = part.cand_need[c]
            value += part.need_priority[n] * w_prio * q
            served[part.need_community[n]] += q
    for com, widths in community_tiers(part).items():
        left = served.get(com, 0)
        for j, width in enumerate(widths):
            t = min(width, left)
            value += (len(widths) - j) * w_fair * t
            left -= t
    return value


def level3(part: Part, x: list[int]) -> int:
    w_stab, w_dist = level3_weights(part)
    steps = dist_steps(part)
    return sum(w_stab * min(part.cand_prev[c], q) - w_dist * steps[c] * q for c, q in enumerate(x) if q)


def key(part: Part, st: State) -> tuple[int, int, int]:
    """The lexicographic objective (higher is better)."""
    return st.served(), level2(part, st.x), level3(part, st.x)


def feasible(st: State) -> bool:
    """Capacity rows, need totals and the split rules."""
    p = st.part
    if any(st.x[c] > p.cand_cap[c] or st.x[c] < 0 for c in range(p.size)):
        return False
    if any(u > cap for u, cap in zip(st.usage, p.pool_cap, strict=True)):
        return False
    for n, total in enumerate(st.need_total):
        if total > p.need_units[n] or len(st.sites[n]) > p.need_k[n]:
            return False
        if any(st.site_total[(n, s)] < p.need_m[n] for s in st.sites[n]):
            return False
    return True


def has_previous(part: Part) -> bool:
    return any(part.cand_prev)


def previous_state(part: Part) -> State | None:
    """The previous proposals of this part's needs as a state, if they are still feasible as they are."""
    if not has_previous(part):
        return None
    st = State(part, list(part.cand_prev))
    return st if feasible(st) else None


def without_previous(part: Part) -> Part:
    """The part as the search sees it: the search does not depend on the previous proposals, so the same
    input finds the same answer whatever was proposed before (stability is applied after it)."""
    if not has_previous(part):
        return part
    return dataclasses.replace(part, cand_prev=(0,) * part.size)
