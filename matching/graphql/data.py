"""Adapters from matching's models to GraphQL fields, batched per request (one query per field
over every need or allocation on the page)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from marketplace.models import Community
from matching.models import NeedSupport, UnservedReason
from matching.services import figures

from . import permissions


def community_served_rate(info: Any, community: Community, first_day: dt.date, last_day: dt.date) -> float | None:
    """Batched over the communities on the page."""
    figures.check_days(first_day, last_day)
    loader = info.context.loader(("community.servedRate", first_day, last_day),
                                 lambda ids: figures.served_rates(ids, first_day, last_day), default=0.0)
    return loader.load(community.pk, info.context.siblings("Community"))  # type: ignore[no-any-return]


def allocation_by_id(info: Any, pk: int) -> Any:
    loader = info.context.loader("allocation", lambda ids: dict(
        permissions.allocations(info.context.user).in_bulk(ids)))
    return loader.load(pk)


def need_by_id(info: Any, pk: int) -> Any:
    loader = info.context.loader("need", lambda ids: dict(permissions.needs(info.context.user).in_bulk(ids)))
    return loader.load(pk, info.context.siblings("AllocationNeed"))


def need_served(info: Any, need: Any) -> int:
    return int(need.served_quantity)


def need_supporters(info: Any, need: Any) -> tuple[int, bool]:
    viewer = info.context.user

    def batch(ids: list[int]) -> dict[int, bool]:
        if viewer is None:
            return {}
        mine = set(NeedSupport.objects.filter(need_id__in=ids, user_id=viewer.pk).values_list("need_id", flat=True))
        return {i: i in mine for i in ids}

    supports = info.context.loader("need.viewerSupports", batch, default=False)
    return need.supporters, bool(supports.load(need.pk, info.context.siblings("Need")))


def need_unserved_reasons(info: Any, need: Any) -> list[dict[str, Any]]:
    def batch(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = defaultdict(list)
        rows = UnservedReason.objects.filter(need_id__in=ids).order_by("need_id", "-match_run_id", "id")
        latest: dict[int, int] = {}
        blocking = []
        for r in rows:
            latest.setdefault(r.need_id, r.match_run_id)
            if r.match_run_id != latest[r.need_id]:
                continue
            out[r.need_id].append({"code": r.code, "quantity": r.quantity, "message": r.message,
                                   "blocking_need_id": r.blocking_need_id})
            if r.blocking_need_id:
                blocking.append(r.blocking_need_id)
        visible = dict(permissions.needs(info.context.user).in_bulk(blocking)) if blocking else {}
        for reasons in out.values():
            for reason in reasons:
                reason["blocking_need"] = visible.get(reason.pop("blocking_need_id"))
        return out

    loader = info.context.loader("need.unservedReasons", batch, default=[])
    return loader.load(need.pk, info.context.siblings("Need"))  # type: ignore[no-any-return]


def need_allocations(info: Any, need: Any) -> list[Any]:
    def batch(ids: list[int]) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = defaultdict(list)
        for a in permissions.allocations(info.context.user).filter(need_id__in=ids).order_by(
                "-match_run_id", "id"):
            out[a.need_id].append(a)
        found = [a for allocations in out.values() for a in allocations]
        info.context.seen_objects("Allocation", found)
        info.context.seen("AllocationNeed", [a.need_id for a in found])
        return out

    loader = info.context.loader("need.allocations", batch, default=[])
    return loader.load(need.pk, info.context.siblings("Need"))  # type: ignore[no-any-return]


def run_stages(run: Any) -> list[dict[str, Any]]:
    stages = getattr(run, "stages", None) or []
    if isinstance(stages, dict):
        return [{"name": k, "seconds": float(v)} for k, v in stages.items()]
    return [{"name": str(s.get("name", "")), "seconds": float(s.get("seconds", 0))} for s in stages]
