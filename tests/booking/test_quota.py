"""Quota: held capacity for a community, all-or-nothing rules, release before the slot, removal."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.models import QuotaRule, QuotaSlot, Slot
from booking.services.lifecycle import cancel_booking
from booking.services.quota import add_quota, quota_remaining, release_due_quota, remove_quota
from booking.services.slots import slots_between
from core.errors import ErrorCode, ServiceError
from tests.factories import CommunityFactory, ResourceFactory

from .conftest import NOW, book, local, lunch_windows, person, with_hours
from .invariants import check_invariants

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TUESDAY_11 = local(dt.date(2026, 12, 1), 11)


def quota(resource, community, amount, *, ends_on=dt.date(2027, 3, 31), now=NOW):  # type: ignore[no-untyped-def]
    return add_quota(community=community, resource=resource, start_time=dt.time(11),
                     end_time=dt.time(12), ends_next_day=False, weekdays=[0, 1, 2, 3, 4], starts_on=NOW.date(),
                     ends_on=ends_on, amount=amount, actor=None, now=now)


@pytest.mark.postgres
def test_quota_holds_on_stored_slots_and_shows_on_virtual_ones(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, capacity=10), lunch_windows())
    quota(canteen, community, 3)
    stored = Slot.objects.get(resource=canteen, start=TUESDAY_11)
    assert (stored.held, quota_remaining(stored, community)) == (3, 3)
    assert Slot.objects.get(resource=canteen, start=TUESDAY_11 + dt.timedelta(hours=1)).held == 0
    far = local(dt.date(2027, 3, 2), 11)
    [virtual] = slots_between([canteen.pk], far, far + dt.timedelta(minutes=1))
    assert (virtual.pk, virtual.held) == (None, 3)
    check_invariants()


def test_others_cannot_take_held_places(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, capacity=2), lunch_windows())
    quota(canteen, community, 1)
    outsider_community = CommunityFactory()
    book(person(outsider_community), canteen, TUESDAY_11)
    with pytest.raises(ServiceError) as caught:
        book(person(outsider_community), canteen, TUESDAY_11)
    assert caught.value.code == ErrorCode.FULL
    assert book(person(community), canteen, TUESDAY_11).booking.quota_slot is not None
    check_invariants()


def test_adding_quota_is_all_or_nothing(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, capacity=2), lunch_windows())
    book(person(community), canteen, local(dt.date(2026, 12, 9), 11), quantity=2)
    with pytest.raises(ServiceError) as caught:
        quota(canteen, community, 1)
    assert caught.value.code == ErrorCode.CONFLICT
    assert not QuotaRule.objects.exists() and not QuotaSlot.objects.exists()
    assert set(Slot.objects.values_list("held", flat=True)) == {0}


def test_unused_quota_returns_24_hours_before_the_slot(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, capacity=4), lunch_windows())
    quota(canteen, community, 3)
    book(person(community), canteen, TUESDAY_11)
    assert release_due_quota(now=TUESDAY_11 - dt.timedelta(hours=24, minutes=1)) == 0
    released = release_due_quota(now=TUESDAY_11 - dt.timedelta(hours=24))
    slot = Slot.objects.get(resource=canteen, start=TUESDAY_11)
    assert released >= 1 and (slot.booked, slot.held) == (1, 0)
    assert book(person(CommunityFactory()), canteen, TUESDAY_11, quantity=3,
                now=TUESDAY_11 - dt.timedelta(hours=23)).booking is not None
    check_invariants()


def test_cancelled_quota_booking_returns_to_the_quota(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, capacity=4), lunch_windows())
    quota(canteen, community, 2)
    resident = person(community)
    booking = book(resident, canteen, TUESDAY_11).booking
    cancel_booking(actor=resident, booking=booking, now=NOW)
    slot = Slot.objects.get(resource=canteen, start=TUESDAY_11)
    assert (slot.booked, slot.held, quota_remaining(slot, community)) == (0, 2, 2)
    check_invariants()


def test_removing_quota_frees_what_is_unused_and_keeps_bookings(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, capacity=4), lunch_windows())
    rule = quota(canteen, community, 2)
    booking = book(person(community), canteen, TUESDAY_11).booking
    remove_quota(rule=rule, actor=None, reason="Allocation withdrawn", now=NOW)
    slot = Slot.objects.get(resource=canteen, start=TUESDAY_11)
    assert (slot.booked, slot.held) == (1, 0)
    booking.refresh_from_db()
    assert booking.status == "CONFIRMED"
    check_invariants()


def test_slots_stored_later_receive_the_rule(unit, community):
    canteen = with_hours(ResourceFactory(unit=unit, capacity=4), lunch_windows())
    quota(canteen, community, 2)
    far = local(dt.date(2027, 3, 2), 11)
    canteen.booking_opens_days_before = 90
    canteen.save()
    booking = book(person(community), canteen, far, now=far - dt.timedelta(days=80)).booking
    slot = Slot.objects.get(pk=booking.slot_id)
    assert (slot.booked, slot.held) == (1, 1)
    check_invariants()


def test_quota_left_for_the_viewer_on_stored_and_virtual_slots(unit, community):
    from booking.services.slots import quota_left_for

    canteen = with_hours(ResourceFactory(unit=unit, capacity=10), lunch_windows())
    quota(canteen, community, 3)
    book(person(community), canteen, TUESDAY_11)
    far = local(dt.date(2027, 3, 2), 11)
    views = slots_between([canteen.pk], TUESDAY_11, TUESDAY_11 + dt.timedelta(minutes=1))
    views += slots_between([canteen.pk], far, far + dt.timedelta(minutes=1))
    left = quota_left_for(views, community.pk)
    assert [left[v.key] for v in views] == [2, 3]
    assert quota_left_for(views, CommunityFactory().pk) == {views[0].key: 0, views[1].key: 0}
