"""Telling people about proposals and decisions, through the booking app's notifications.

One in-app row per (user, effect key), written in the caller's transaction (exactly once). Rendering
of the text lives with the notifications; we pass the parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from booking.notifications.services import effect_key, notify
from marketplace.models import Membership, Role


def _users(role: str, *, unit_ids: Iterable[int] = (), community_ids: Iterable[int] = ()) -> list[Any]:
    qs = Membership.objects.filter(role=role).select_related("user")
    if role in (Role.UNIT_ADMIN, Role.UNIT_STAFF):
        qs = qs.filter(unit_id__in=list(unit_ids))
    else:
        qs = qs.filter(community_id__in=list(community_ids))
    return [m.user for m in qs]


def tell(*, kind: str, key_parts: tuple[object, ...], role: str, unit_ids: Iterable[int] = (),
         community_ids: Iterable[int] = (), allocation_id: int | None = None,
         params: dict[str, Any] | None = None) -> int:
    """Notifies every holder of `role` in those units or communities; returns how many were told."""
    told = 0
    for user in _users(role, unit_ids=unit_ids, community_ids=community_ids):
        if notify(user=user, kind=kind, key=effect_key(kind, *key_parts), allocation_id=allocation_id,
                  params=params or {}) is not None:
            told += 1
    return told


def tell_units(*, kind: str, role: str, per_unit: dict[int, tuple[tuple[object, ...], dict[str, Any]]]) -> int:
    """`tell` for many units at once, each with its own effect key parts and parameters: one query for
    the holders of `role` in all of them (a city-wide run proposes to thousands of units)."""
    told = 0
    holders = (Membership.objects.filter(role=role, unit_id__in=list(per_unit)).select_related("user")
               .order_by("unit_id", "id"))
    for m in holders:
        if m.unit_id is None:  # the filter on unit_id__in leaves none; the type allows it
            continue
        key_parts, params = per_unit[m.unit_id]
        if notify(user=m.user, kind=kind, key=effect_key(kind, *key_parts), params=params) is not None:
            told += 1
    return told
