"""Writes the generated district (marketplace part) to the database.

This is the demo's bulk service: it writes with `bulk_create` inside the caller's transaction for
speed (the whole demo at scale 1 must load in under 30 s). Later stages (opening hours, bookings,
needs) live in their apps and receive the `DemoContext` built here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from marketplace.models import (
    Community,
    Membership,
    Resource,
    Role,
    Subdistrict,
    User,
    WorkUnit,
)

from .district import District

T = TypeVar("T")
Progress = Callable[[int], None]
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password
BATCH = 1000


@dataclass
class DemoContext:
    """What later stages need: the generated district and the database ids of what was written."""

    district: District
    today: dt.date
    subdistricts: dict[str, int] = field(default_factory=dict)
    communities: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    residents: dict[str, int] = field(default_factory=dict)  # GenResident.key -> user id
    users: dict[str, int] = field(default_factory=dict)      # demo usernames -> user id
    password_hash: str = ""
    # The demo accounts sign in with DEMO_PASSWORD; without it (load_demo with debug off, unless told
    # with --demo-passwords) they have no usable password, so a public server has no known one.
    demo_passwords: bool = True


def _chunks(items: list[T], size: int = BATCH) -> Iterable[list[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _bulk(model: Any, objs: list[Any], progress: Progress) -> list[Any]:
    out: list[Any] = []
    for chunk in _chunks(objs):
        out.extend(model.objects.bulk_create(chunk))
        progress(len(chunk))
    return out


def load_geography(ctx: DemoContext, progress: Progress) -> None:
    d = ctx.district
    subs = _bulk(Subdistrict, [Subdistrict(name=s.name, name_en=s.name_en, lat=s.lat, lon=s.lon, demo_key=s.key)
                               for s in d.subdistricts], progress)
    ctx.subdistricts = {s.demo_key: s.pk for s in subs}
    comms = _bulk(Community, [Community(name=c.name, subdistrict_id=ctx.subdistricts[c.subdistrict_key], lat=c.lat,
                                        lon=c.lon, population=c.population, demo_key=c.key)
                              for c in d.communities], progress)
    ctx.communities = {c.demo_key: c.pk for c in comms}


def load_units(ctx: DemoContext, progress: Progress) -> None:
    d = ctx.district
    units = _bulk(WorkUnit, [WorkUnit(name=u.name, kind=u.kind, subdistrict_id=ctx.subdistricts[u.subdistrict_key],
                                      address=u.address, lat=u.lat, lon=u.lon, demo_key=u.key)
                             for u in d.units], progress)
    ctx.units = {u.demo_key: u.pk for u in units}
    resources = _bulk(Resource, [
        Resource(name=r.name, category=r.category, description=r.description, unit_id=ctx.units[r.unit_key],
                 address=r.address, lat=r.lat, lon=r.lon, capacity=r.capacity, booking_mode=r.booking_mode,
                 target_group=r.target_group, requires_approval=r.requires_approval, accessible=r.accessible,
                 check_in_required=r.check_in_required, follows_holiday_calendar=r.follows_holiday_calendar,
                 demo_key=r.key)
        for r in d.resources
    ], progress)
    ctx.resources = {r.demo_key: r.pk for r in resources}


def load_people(ctx: DemoContext, progress: Progress) -> None:
    """Residents (a few per community, one shared precomputed password hash) and the demo users."""
    d = ctx.district
    ctx.password_hash = make_password(DEMO_PASSWORD if ctx.demo_passwords else None)
    users = [User(username=f"res{i:05d}", full_name=r.full_name, birth_date=r.birth_date, phone=r.phone, sex=r.sex,
                  is_disabled=r.disabled, password=ctx.password_hash, demo=True)
             for i, r in enumerate(d.residents)]
    first_community = d.communities[0]
    first_unit = d.units[0]
    specials = [
        ("demo-resident", "王建国", dt.date(1950, 5, 12)),  # a man, see sex below
        ("demo-unit", "李明华", None),
        ("demo-gate", "赵志强", None),
        ("demo-worker", "陈秀英", None),
        ("demo-staff", "周文杰", None),
    ]
    users += [User(username=name, full_name=full, birth_date=born, password=ctx.password_hash, demo=True,
                   phone="13800138000" if name == "demo-resident" else "",
                   sex="MALE" if name == "demo-resident" else "")
              for name, full, born in specials]
    created = _bulk(User, users, progress)
    ctx.residents = {r.key: u.pk for r, u in zip(d.residents, created, strict=False)}
    ctx.users = {u.username: u.pk for u in created[len(d.residents):]}
    now = timezone.now()
    staff_id = ctx.users["demo-worker"]
    memberships = [
        Membership(user_id=ctx.residents[r.key], role=Role.RESIDENT, community_id=ctx.communities[r.community_key],
                   verified_at=now if r.verified else None, verified_by_id=staff_id if r.verified else None)
        for r in d.residents
    ]
    c0, u0 = ctx.communities[first_community.key], ctx.units[first_unit.key]
    memberships += [
        Membership(user_id=ctx.users["demo-resident"], role=Role.RESIDENT, community_id=c0, verified_at=now,
                   verified_by_id=staff_id),
        Membership(user_id=ctx.users["demo-unit"], role=Role.UNIT_ADMIN, unit_id=u0),
        Membership(user_id=ctx.users["demo-gate"], role=Role.UNIT_STAFF, unit_id=u0),
        Membership(user_id=ctx.users["demo-worker"], role=Role.COMMUNITY_WORKER, community_id=c0),
        Membership(user_id=ctx.users["demo-staff"], role=Role.DISTRICT_STAFF),
    ]
    _bulk(Membership, memberships, progress)
    User.objects.filter(pk=ctx.users["demo-staff"]).update(is_staff=True)
