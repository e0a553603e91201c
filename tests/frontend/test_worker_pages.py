"""Issue 12 item 14: proxy booking lists what is near the worker's community first, with a category
filter; a new resident's page shows the name and offers to book for them."""

from __future__ import annotations

import datetime as dt

from django.utils.html import escape

from booking.services.availability import set_opening_hours
from booking.services.hours import WindowSpec
from marketplace.models import User
from tests.factories import CommunityFactory, ResourceFactory, WorkUnitFactory

from .conftest import TZ, World
from .helpers import client_for, gid


def test_a_new_residents_page_shows_the_name_and_offers_to_book_for_them(world: World):
    # when the worker creates an account for a resident without a phone
    client = client_for(world.worker)
    answer = client.post("/community/residents/", {"fullName": "周桂兰", "verified": "on",
                                                  "idempotencyKey": "k-1"}, follow=True)
    person = User.objects.get(full_name="周桂兰")
    # then the resident's page is titled with her name, not the generated user name
    page = answer.content.decode()
    assert "<h1>周桂兰</h1>" in page
    # and offers to book for her, which opens proxy booking with her already chosen
    link = f'/community/book/?for={gid("User", person.pk)}'
    assert escape(link) in page and "为该居民预约" in page
    pick = client.get(link).content.decode()
    assert "周桂兰" in pick
    slot_link = client.get(f"/resources/{gid('Resource', world.canteen.pk)}/?for={gid('User', person.pk)}")
    assert f"for={gid('User', person.pk)}" in slot_link.content.decode()
    start = world.tomorrow_at(11).isoformat()
    form = client.get("/community/book/", {"resource": gid("Resource", world.canteen.pk), "start": start,
                                           "for": gid("User", person.pk)}).content.decode()
    assert f'value="{gid("User", person.pk)}" checked' in form


def test_proxy_booking_lists_resources_near_the_community_first_with_a_category_filter(world: World):
    # given a canteen far away whose name sorts first, in another subdistrict
    far_unit = WorkUnitFactory(name="远处单位", subdistrict=CommunityFactory().subdistrict)
    far = ResourceFactory(unit=far_unit, name="阿远食堂", category="CANTEEN", capacity=10,
                          lat=world.community.lat + 0.2, lon=world.community.lon + 0.2)
    _open_every_day(far)
    client = client_for(world.worker)
    page = client.get("/community/book/").content.decode()
    # then the unit's canteen near the community comes before the far one, with distances
    assert page.index("机关食堂") < page.index("阿远食堂")
    # and the category filter leaves only canteens
    canteens = client.get("/community/book/", {"category": "PARKING"}).content.decode()
    assert "机关停车场" in canteens and "机关食堂" not in canteens and "阿远食堂" not in canteens


def _open_every_day(resource) -> None:  # type: ignore[no-untyped-def]
    set_opening_hours(actor=None, resource=resource, windows=[
        WindowSpec(weekdays=(0, 1, 2, 3, 4, 5, 6), start_time=dt.time(11), end_time=dt.time(12))])


def test_the_new_need_form_sends_its_default_start_date_as_iso_and_refuses_a_past_one(world: World):
    client = client_for(world.worker)
    # the date field gets today as yyyy-mm-dd, the only form <input type=date> shows
    today = dt.datetime.now(TZ).date()
    page = client.get("/community/needs/new/").content.decode()
    assert f'type="date" name="startsOn" value="{today.isoformat()}"' in page
    # a first day in the past is refused next to the field, in Chinese
    answer = client.post("/community/needs/new/", {
        "category": "CANTEEN", "title": "午餐", "quantity": "10", "weekdayPattern": "WEEKDAYS",
        "startTime": "11:00", "endTime": "12:00", "startsOn": (today - dt.timedelta(days=3)).isoformat(),
        "endsOn": (today + dt.timedelta(days=30)).isoformat(), "targetGroup": "ANYONE", "maxDistanceM": "1500",
        "priority": "3"}).content.decode()
    assert "开始日期已经过去" in answer
