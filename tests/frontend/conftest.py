"""A small district for the web app's tests: one community, one unit with a canteen (lunch every day)
and a parking lot (overnight), and one person per role, each with the password `demo-pass-1`.
Dates are relative to the real clock (pages run through the API with the real `now`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking.services.availability import set_opening_hours
from booking.services.hours import WindowSpec
from marketplace.models import Community, Resource, User, WorkUnit
from tests.factories import (
    CommunityFactory,
    ResourceFactory,
    WorkUnitFactory,
    community_worker,
    district_staff,
    elderly_resident,
    unit_admin,
    unit_staff,
)
from tests.frontend.browser import PHONE, Session, open_browser

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "demo-pass-1"
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


@dataclass
class World:
    community: Community
    unit: WorkUnit
    canteen: Resource
    parking: Resource
    resident: User
    neighbour: User
    admin: User
    gate: User
    worker: User
    staff: User
    other_admin: User

    def tomorrow_at(self, hour: int) -> dt.datetime:
        day = dt.datetime.now(TZ).date() + dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _with_password(user: User, name: str) -> User:
    user.set_password(PASSWORD)
    user.full_name = name
    user.save(update_fields=["password", "full_name"])
    return user


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    community = CommunityFactory(name="白云社区")
    unit = WorkUnitFactory(name="国家某部机关", subdistrict=community.subdistrict)
    canteen = ResourceFactory(unit=unit, name="机关食堂", category="CANTEEN", capacity=40)
    set_opening_hours(actor=None, resource=canteen, windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=dt.time(11), end_time=dt.time(12)),
        WindowSpec(weekdays=EVERY_DAY, start_time=dt.time(12), end_time=dt.time(13))])
    parking = ResourceFactory(unit=unit, name="机关停车场", category="PARKING", capacity=20)
    set_opening_hours(actor=None, resource=parking, windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=dt.time(19), end_time=dt.time(7, 30), ends_next_day=True)])
    other_unit = WorkUnitFactory(name="某大学", subdistrict=community.subdistrict)
    return World(
        community=community, unit=unit, canteen=canteen, parking=parking,
        resident=_with_password(elderly_resident(community, username="resident"), "王秀英"),
        neighbour=_with_password(elderly_resident(community, username="neighbour"), "李建国"),
        admin=_with_password(unit_admin(unit, username="unit-admin"), "张管理"),
        gate=_with_password(unit_staff(unit, username="gate"), "赵门岗"),
        worker=_with_password(community_worker(community, username="worker"), "刘社工"),
        staff=_with_password(district_staff(username="staff"), "陈区级"),
        other_admin=_with_password(unit_admin(other_unit, username="other-admin"), "孙其他"),
    )


@dataclass
class Things:
    """Objects the pages take in their addresses, as URL slugs of their global IDs."""

    canteen: str
    parking: str
    booking: str
    need: str
    run: str
    resident: str


def populate(world: World) -> Things:
    """A booking of the resident, a need of the community and a match run (run eagerly after commit)."""
    from graphql_relay import to_global_id

    from booking.services.bookings import BookingRequest, book_slot
    from frontend.operations import slug
    from matching.services.needs import NeedFields, post_need
    from matching.services.runs import start_match_run

    booking = book_slot(actor=world.resident, request=BookingRequest(
        resource=world.canteen, start=world.tomorrow_at(12), note="少盐")).booking
    today = dt.datetime.now(TZ).date()
    need = post_need(actor=world.worker, data=NeedFields(
        category="CANTEEN", title="老年人午餐", quantity=15, weekday_pattern="EVERY_DAY",
        start_time=dt.time(11), end_time=dt.time(13), starts_on=today + dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=20), target_group="ANYONE", max_distance_m=3000))
    run = start_match_run(actor=world.staff, horizon_days=14)

    def gid(kind: str, pk: int) -> str:
        return slug(to_global_id(kind, pk))

    return Things(canteen=gid("Resource", world.canteen.pk), parking=gid("Resource", world.parking.pk),
                  booking=gid("Booking", booking.pk), need=gid("Need", need.pk), run=gid("MatchRun", run.pk),
                  resident=gid("User", world.resident.pk))


# --- the browser journeys' fixtures (tests/frontend/test_browser_*.py) -------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as b:
        yield b


@pytest.fixture
def live_world(live_server, settings) -> World:  # type: ignore[no-untyped-def]
    settings.MATCHING_TIME_LIMIT_S = 5.0
    settings.MATCHING_DETERMINISTIC_TIME = 2.0
    return build_world()


def phone_session(browser: Any, url: str, *, real_stream: bool = False) -> Iterator[Session]:
    """A phone-sized page in zh-hans at `url` (with the server's own /graphql/stream when `real_stream`,
    else the harness's stub); afterwards no console error and no axe violation."""
    s = Session(browser, url, viewport=PHONE, locale="zh-CN")
    if real_stream:
        s.context.unroute("**/graphql/stream")
    yield s
    try:
        assert s.errors == []
        assert s.axe_violations() == []
    finally:
        s.close()


@pytest.fixture
def phone(browser, live_server) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    yield from phone_session(browser, live_server.url)
