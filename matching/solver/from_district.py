"""Adapter: a generated demo district (``marketplace.demo.district.District``, duck-typed so this module
imports nothing outside the solver) to a weekday-mode :class:`Problem`.

A window without its own capacity takes the resource's; a hall's block offers one booking (EXCLUSIVE) and
the hall holds ``Resource.capacity`` people.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .domain import Block, Community, Need, PreviousAllocation, Problem, Resource


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def to_problem(district: Any, previous: tuple[PreviousAllocation, ...] = ()) -> Problem:
    communities = tuple(Community(c.key, c.lat, c.lon, c.subdistrict_key) for c in district.communities)
    resources = []
    for r in district.resources:
        blocks = []
        for i, w in enumerate(r.windows):
            cap = 1 if r.category == "HALL" else (w.capacity if w.capacity is not None else r.capacity)
            blocks.append(
                Block(i, tuple(w.weekdays), _minutes(w.start), _minutes(w.end), w.ends_next_day, cap, w.sex)
            )
        resources.append(
            Resource(
                r.key,
                r.category,
                r.lat,
                r.lon,
                tuple(blocks),
                capacity=r.capacity,
                target_group=r.target_group,
                unit_key=r.unit_key,
            )
        )
    needs = tuple(
        Need(
            n.key,
            n.community_key,
            n.category,
            n.quantity,
            tuple(n.weekdays),
            _minutes(n.start),
            _minutes(n.end),
            n.ends_next_day,
            n.target_group,
            n.max_distance_m,
            n.priority,
            getattr(n, "sex", "ANY"),
        )
        for n in district.needs
    )
    return Problem(communities, tuple(resources), needs, previous=previous)
