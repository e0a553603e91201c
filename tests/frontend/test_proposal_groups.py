"""Issue 12 item 15: a need's proposals at one resource are one card answered at once; every number says
what it counts (a hall holds people but takes one booking per time block)."""

from __future__ import annotations

import datetime as dt

from booking.services.availability import set_opening_hours
from booking.services.hours import WindowSpec
from matching.models import Allocation
from tests.factories import ResourceFactory

from .conftest import EVERY_DAY, World, populate
from .helpers import client_for, gid


def _two_blocks(world: World, capture) -> list[Allocation]:  # type: ignore[no-untyped-def]
    """The run's lunch proposal to the unit split into two blocks of one need at one canteen."""
    with capture(execute=True):
        populate(world)
    first = Allocation.objects.filter(resource=world.canteen, status="PROPOSED").order_by("pk").first()
    assert first is not None
    Allocation.objects.filter(resource=world.canteen).exclude(pk=first.pk).delete()
    Allocation.objects.filter(pk=first.pk).update(quantity=8, start_time=dt.time(11), end_time=dt.time(12))
    second = Allocation.objects.get(pk=first.pk)
    second.pk = None
    second.quantity, second.start_time, second.end_time = 7, dt.time(12), dt.time(13)
    second.save()
    return list(Allocation.objects.filter(need=first.need_id, resource=world.canteen).order_by("pk"))


def test_a_needs_blocks_at_one_resource_are_one_card_accepted_together(world: World,
                                                                         django_capture_on_commit_callbacks):
    pair = _two_blocks(world, django_capture_on_commit_callbacks)
    client = client_for(world.admin)
    # when the unit admin opens the proposals
    page = client.get("/unit/proposals/").content.decode()
    # then the two blocks are one card, with the need's size in diners and one pair of buttons
    assert page.count('class="card proposal-group"') == 1
    assert "全部接受（2个时段）" in page and "每次8位用餐者" in page and "每次7位用餐者" in page
    # when they accept the group
    answer = client.post("/unit/proposals/group/", {"allocation": [gid("Allocation", a.pk) for a in pair],
                                                    "accept": "1"}, follow=True)
    # then both blocks are accepted
    assert "已接受2个时段。" in answer.content.decode()
    assert set(Allocation.objects.filter(pk__in=[a.pk for a in pair]).values_list("status", flat=True)) == {
        "ACCEPTED"}


def test_declining_a_group_without_a_reason_changes_nothing(world: World, django_capture_on_commit_callbacks):
    pair = _two_blocks(world, django_capture_on_commit_callbacks)
    answer = client_for(world.admin).post("/unit/proposals/group/", {
        "allocation": [gid("Allocation", a.pk) for a in pair], "accept": "0"}, follow=True)
    assert "请填写拒绝原因。" in answer.content.decode()
    assert set(Allocation.objects.filter(pk__in=[a.pk for a in pair]).values_list("status", flat=True)) == {
        "PROPOSED"}


def test_a_hall_says_it_holds_people_and_takes_one_booking_per_time_block(world: World):
    hall = ResourceFactory(unit=world.unit, name="多功能厅", category="HALL", capacity=226,
                           booking_mode="EXCLUSIVE")
    set_opening_hours(actor=None, resource=hall, windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=dt.time(14), end_time=dt.time(16))])
    listing = client_for(world.admin).get("/unit/resources/").content.decode()
    detail = client_for(world.resident).get(f"/resources/{gid('Resource', hall.pk)}/").content.decode()
    assert "可容纳226人·每个时段只接一场预约" in listing
    assert "每个时段40个名额" in listing  # the canteen
    assert "226个名额" not in listing and "1个名额" not in detail
    assert "每个时段只接一场预约" in detail
