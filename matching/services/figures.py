"""District figures (a service: GraphQL only shapes them): served rates from needs and their accepted
allocations, utilisation and bookings from booking/services/figures.py (over the open slots derived
from opening hours). Computed from the rows each time, in a fixed number of queries; never counters kept
by hand.

A need counts in a period when its date range overlaps it; demand is the matcher's unit (a hall need is
one booking, anything else its quantity), served the accepted quantity capped at the need's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Sum

from booking.services.figures import Figures, check_days, figures
from core.clock import at
from marketplace.models import Community, Resource, Subdistrict
from matching.models import Allocation, AllocationStatus, Need


def _needs(first_day: dt.date, last_day: dt.date, community_id: int | None = None) -> list[Any]:
    qs = Need.objects.with_served().filter(starts_on__lte=last_day, ends_on__gte=first_day)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return list(qs.select_related("community"))


def _served(need: Any) -> tuple[int, int]:
    """(demand, served) in the matcher's units."""
    demand = need.demand_units
    served = need.served_quantity
    if need.category == "HALL":
        served = 1 if served > 0 else 0
    return demand, min(served, demand)


def _proposed(needs: list[Any]) -> dict[int, int]:
    """{need id: quantity of its PROPOSED allocations} (waiting for the unit), one query."""
    rows = (Allocation.objects.filter(need_id__in=[n.pk for n in needs], status=AllocationStatus.PROPOSED).order_by()
            .values("need_id").annotate(total=Sum("quantity")))
    return {row["need_id"]: int(row["total"] or 0) for row in rows}


def _pipeline(need: Any, proposed: dict[int, int]) -> tuple[int, int, int]:
    """(demand, proposed, accepted) in the matcher's units; proposed is what waits for a unit, capped at
    what the accepted quantity leaves open."""
    demand, served = _served(need)
    waiting = proposed.get(need.pk, 0)
    if need.category == "HALL":
        waiting = 1 if waiting > 0 else 0
    return demand, min(waiting, demand - served), served


MAP_STATES = ("NO_NEED", "SERVED", "PARTLY", "PROPOSED", "WAITING")


def community_state(demand: int, proposed: int, served: int) -> str:
    """How a community stands on the map: no need; served (at least 80 % accepted); proposals waiting for
    units; partly served; or needs waiting with nothing proposed."""
    if demand == 0:
        return "NO_NEED"
    if served >= 0.8 * demand:
        return "SERVED"
    if proposed > 0:
        return "PROPOSED"
    return "PARTLY" if served > 0 else "WAITING"


def _rate(demand: int, served: int) -> float:
    return round(served / demand, 4) if demand else 0.0


def served_rates(community_ids: list[int], first_day: dt.date, last_day: dt.date) -> dict[int, float]:
    """{community id: served / demand of its needs overlapping the period} (0.0 without demand)."""
    check_days(first_day, last_day)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    wanted = set(community_ids)
    for need in _needs(first_day, last_day):
        if need.community_id in wanted:
            demand, served = _served(need)
            totals[need.community_id][0] += demand
            totals[need.community_id][1] += served
    return {cid: _rate(*totals[cid]) for cid in community_ids}


def district_stats(first_day: dt.date, last_day: dt.date) -> dict[str, Any]:
    """The district's pipeline (demand, proposed, accepted, booked, used) and use, in total, by subdistrict
    and by category. Raises ServiceError (INVALID) for a bad period."""
    check_days(first_day, last_day)
    needs = _needs(first_day, last_day)
    resources = list(Resource.objects.select_related("unit"))
    found = figures(resources, first_day, last_day)
    subdistricts = {s.pk: s for s in Subdistrict.objects.order_by("name", "id")}
    by_sub: dict[int, Figures] = {pk: Figures() for pk in subdistricts}
    by_cat: dict[str, Figures] = defaultdict(Figures)
    demand_sub: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    demand_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    total = Figures()
    for r in resources:
        f = found.get((r.pk, None), Figures())
        total.add(f)
        by_sub.setdefault(r.unit.subdistrict_id, Figures()).add(f)
        by_cat[r.category].add(f)
    demand = served = proposed_total = 0
    proposed = _proposed(needs)
    for need in needs:
        d, p, s = _pipeline(need, proposed)
        demand += d
        served += s
        proposed_total += p
        demand_sub[need.community.subdistrict_id][0] += d
        demand_sub[need.community.subdistrict_id][1] += s
        demand_cat[need.category][0] += d
        demand_cat[need.category][1] += s
    start, end = at(first_day, dt.time()), at(last_day + dt.timedelta(days=1), dt.time())
    posted = sum(1 for n in needs if start <= n.created_at < end)
    return {
        "needs_posted": posted, "demand_quantity": demand, "served_quantity": served,
        "proposed_quantity": proposed_total, "booked_quantity": total.booked, "used_quantity": total.checked_in,
        "served_rate": _rate(demand, served), "bookings": total.bookings, "no_shows": total.no_shows,
        "utilisation": total.utilisation,
        "by_subdistrict": [{"subdistrict": subdistricts[pk], "served_rate": _rate(*demand_sub[pk]),
                            "utilisation": by_sub[pk].utilisation, "bookings": by_sub[pk].bookings,
                            "no_shows": by_sub[pk].no_shows} for pk in subdistricts],
        "by_category": [{"category": c, "served_rate": _rate(*demand_cat[c]), "utilisation": f.utilisation,
                         "bookings": f.bookings, "no_shows": f.no_shows} for c, f in sorted(by_cat.items())],
    }


def district_map(first_day: dt.date, last_day: dt.date) -> dict[str, Any]:
    """Every listed resource with its utilisation, every community with its pipeline and map state."""
    check_days(first_day, last_day)
    resources = list(Resource.objects.listed().order_by("id"))
    found = figures(resources, first_day, last_day)
    rates: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    needs = _needs(first_day, last_day)
    proposed = _proposed(needs)
    for need in needs:
        d, p, s = _pipeline(need, proposed)
        rates[need.community_id][0] += d
        rates[need.community_id][1] += s
        rates[need.community_id][2] += p
    return {
        "resources": [{"pk": r.pk, "category": r.category, "location": r,
                       "utilisation": found.get((r.pk, None), Figures()).utilisation} for r in resources],
        "communities": [{"pk": c.pk, "location": c, "name": c.name,
                         "served_rate": _rate(*rates[c.pk][:2]), "demand_quantity": rates[c.pk][0],
                         "served_quantity": rates[c.pk][1], "proposed_quantity": rates[c.pk][2],
                         "state": community_state(rates[c.pk][0], rates[c.pk][2], rates[c.pk][1])}
                        for c in Community.objects.order_by("id")],
    }
