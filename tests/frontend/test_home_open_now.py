"""Issue 12 item 18: the anonymous home page shows what is open near the visitor now, the district's
figures (an API field anyone may read) and how to take part."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from booking.services.availability import set_opening_hours
from booking.services.hours import WindowSpec
from tests.factories import ResourceFactory

from .conftest import EVERY_DAY, TZ, World


def test_an_anonymous_visitor_sees_todays_sittings_with_places_the_figures_and_how_to_take_part(world: World):
    # given a canteen with a sitting starting in a few minutes today
    now = dt.datetime.now(TZ).replace(second=0, microsecond=0)
    start = now + dt.timedelta(minutes=2)
    end = start + dt.timedelta(minutes=30)
    soon = ResourceFactory(unit=world.unit, name="晚间食堂", category="CANTEEN", capacity=25,
                           booking_closes_minutes_before=0)
    set_opening_hours(actor=None, resource=soon, now=now - dt.timedelta(days=1), windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=start.time(), end_time=end.time(),
                   ends_next_day=end.date() != start.date())])
    # when a visitor opens the home page without signing in
    page = Client().get("/").content.decode()
    # then the sitting is listed with its places left
    assert "晚间食堂" in page and "剩余25个名额" in page
    # and the district's figures and the ways to take part
    assert "全区数据" in page and "家单位参与共享" in page and "如何参与" in page
    # and a subdistrict can be chosen as "near"
    assert world.community.subdistrict.name in page
