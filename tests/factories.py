"""factory_boy factories with intention-revealing names. They write through services where the
domain has one (people), and directly for plain reference data (geography)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory

from marketplace.models import Community, Resource, Role, Subdistrict, User, WorkUnit
from marketplace.services.people import grant_role

_seq = itertools.count(1)


class SubdistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subdistrict

    name = factory.Sequence(lambda n: f"街道{n}")
    lat = 39.91
    lon = 116.37


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"社区{n}")
    subdistrict = factory.SubFactory(SubdistrictFactory)
    lat = 39.91
    lon = 116.37
    population = 4000


class WorkUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkUnit

    name = factory.Sequence(lambda n: f"单位{n}")
    kind = "ENTERPRISE"
    subdistrict = factory.SubFactory(SubdistrictFactory)
    lat = 39.912
    lon = 116.372


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    name = factory.Sequence(lambda n: f"食堂{n}")
    category = "CANTEEN"
    unit = factory.SubFactory(WorkUnitFactory)
    address = "北京市西城区测试路1号"
    lat = 39.912
    lon = 116.372
    capacity = 40


def _user(role: str, **kwargs: Any) -> User:
    return grant_role(actor=None, username=kwargs.pop("username", f"u{next(_seq)}"), role=role, **kwargs)


def resident(community: Community, *, born: dt.date | None = dt.date(1980, 1, 1), verified: bool = True,
             **kwargs: Any) -> User:
    return _user(Role.RESIDENT, community=community, birth_date=born, verified=verified, **kwargs)


def elderly_resident(community: Community, **kwargs: Any) -> User:
    return resident(community, born=dt.date(1950, 1, 1), **kwargs)


def community_worker(community: Community, **kwargs: Any) -> User:
    return _user(Role.COMMUNITY_WORKER, community=community, **kwargs)


def unit_admin(unit: WorkUnit, **kwargs: Any) -> User:
    return _user(Role.UNIT_ADMIN, unit=unit, **kwargs)


def unit_staff(unit: WorkUnit, **kwargs: Any) -> User:
    return _user(Role.UNIT_STAFF, unit=unit, **kwargs)


def district_staff(**kwargs: Any) -> User:
    return _user(Role.DISTRICT_STAFF, **kwargs)
