"""No overbooking under real concurrency (PostgreSQL), with a control that shows the race when the
guard is switched off (docs/ARCHITECTURE.md; pretix's practice). Threads each use and close their own
database connection; I1–I3 are checked afterwards."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import override_settings

from booking.models import Booking, BookingStatus, Slot
from booking.services.lifecycle import cancel_booking
from booking.services.quota import add_quota
from core.errors import ServiceError
from marketplace.models import Community, Membership, Role, User
from tests.factories import CommunityFactory, ResourceFactory, WorkUnitFactory

from .conftest import NOW, book, local, lunch_windows, with_hours
from .invariants import check_invariants

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 50
TUESDAY_11 = local(dt.date(2026, 12, 1), 11)


def residents(community: Community, count: int, prefix: str) -> list[User]:
    users = User.objects.bulk_create([User(username=f"{prefix}{i}", birth_date=dt.date(1980, 1, 1))
                                      for i in range(count)])
    Membership.objects.bulk_create([Membership(user=u, role=Role.RESIDENT, community=community, verified_at=NOW)
                                    for u in users])
    return list(User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"))


def run_all(calls: list[Callable[[], object]]) -> Counter[str]:
    """Runs the calls from THREADS threads, all released at once; counts outcomes by code."""
    start = threading.Barrier(min(THREADS, len(calls)))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            if index < THREADS:
                start.wait()
            try:
                call()
                result = "OK"
            except ServiceError as exc:
                result = str(exc.code)
            except Exception as exc:  # noqa: BLE001 - counted, so the test shows it
                result = f"ERROR {type(exc).__name__}: {exc}"
            with lock:
                outcomes[result] += 1
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(lambda pair: worker(*pair), enumerate(calls)))
    return outcomes


def capacity_40_slot():  # type: ignore[no-untyped-def]
    unit = WorkUnitFactory()
    canteen = with_hours(ResourceFactory(unit=unit, capacity=40, max_active_per_resident=10), lunch_windows())
    return canteen


def test_500_residents_on_a_capacity_40_slot_get_exactly_40(postgres_only):
    # given a capacity-40 slot and 500 residents
    canteen = capacity_40_slot()
    people = residents(CommunityFactory(), 500, "c")
    # when all book at once from 50 threads
    outcomes = run_all([lambda u=u: book(u, canteen, TUESDAY_11) for u in people])
    # then exactly 40 are confirmed, 460 FULL, and the counter agrees
    assert outcomes == Counter({"OK": 40, "FULL": 460})
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 40
    assert Slot.objects.get(resource=canteen, start=TUESDAY_11).booked == 40
    check_invariants()


def test_control_without_the_guard_oversells(postgres_only):
    # given the same slot, with the conditional UPDATE replaced by read, pause, write (test-only)
    canteen = capacity_40_slot()
    people = residents(CommunityFactory(), 500, "x")
    with override_settings(BOOKING_TEST_UNGUARDED=True, BOOKING_TEST_PAUSE=0.05):
        outcomes = run_all([lambda u=u: book(u, canteen, TUESDAY_11) for u in people])
    # then more than 40 were told "confirmed": the race the guard prevents
    assert outcomes["OK"] > 40
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() > 40


def test_multi_slot_bookings_beside_single_ones(postgres_only):
    # given two consecutive capacity-40 sittings; 150 residents book both, 150 only the second
    canteen = capacity_40_slot()
    pairs, singles = residents(CommunityFactory(), 150, "p"), residents(CommunityFactory(), 150, "s")
    calls = [lambda u=u: book(u, canteen, TUESDAY_11, slots=2) for u in pairs]
    calls += [lambda u=u: book(u, canteen, TUESDAY_11 + dt.timedelta(hours=1)) for u in singles]
    outcomes = run_all(calls)
    # then the second sitting holds exactly 40 and every pair has both or none of its slots
    assert set(outcomes) <= {"OK", "FULL"}
    second = Slot.objects.get(resource=canteen, start=TUESDAY_11 + dt.timedelta(hours=1))
    assert second.booked == 40
    per_pair = Counter(Booking.objects.filter(user__in=pairs, status=BookingStatus.CONFIRMED)
                       .values_list("user_id", flat=True))
    assert set(per_pair.values()) <= {2}
    check_invariants()


def test_quota_bookings_beside_open_ones(postgres_only):
    # given capacity 40 with 10 held for community A; 100 residents of A and 100 of B book at once
    canteen = capacity_40_slot()
    a, b = CommunityFactory(), CommunityFactory()
    add_quota(community=a, resource=canteen, start_time=dt.time(11), end_time=dt.time(12),
              ends_next_day=False, weekdays=[0, 1, 2, 3, 4], starts_on=NOW.date(),
              ends_on=NOW.date() + dt.timedelta(days=7), amount=10, actor=None, now=NOW)
    people_a, people_b = residents(a, 100, "a"), residents(b, 100, "b")
    outcomes = run_all([lambda u=u: book(u, canteen, TUESDAY_11) for u in people_a + people_b])
    # then 40 in all, at most 30 from B, at least 10 from A
    assert outcomes == Counter({"OK": 40, "FULL": 160})
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    assert confirmed.filter(community=b).count() <= 30
    assert confirmed.filter(community=a).count() >= 10
    check_invariants()


def test_cancel_book_promote_storm(postgres_only):
    # given a capacity-10 slot: 10 confirmed and 20 waiting
    unit = WorkUnitFactory()
    canteen = with_hours(ResourceFactory(unit=unit, capacity=10), lunch_windows())
    community = CommunityFactory()
    holders, waiters, newcomers = (residents(community, 10, "h"), residents(community, 20, "w"),
                                   residents(community, 30, "n"))
    held = [book(u, canteen, TUESDAY_11).booking for u in holders]
    for u in waiters:
        book(u, canteen, TUESDAY_11, join_waitlist=True)
    # when the holders cancel while newcomers book (waitlist allowed), all at once
    calls: list[Callable[[], object]] = [lambda u=u, b=b: cancel_booking(actor=u, booking=b, now=NOW)
                                         for u, b in zip(holders, held, strict=True)]
    calls += [lambda u=u: book(u, canteen, TUESDAY_11, join_waitlist=True) for u in newcomers]
    outcomes = run_all(calls)
    # then no errors, the slot is full again with exactly 10, and the invariants hold
    assert set(outcomes) == {"OK"}
    slot = Slot.objects.get(resource=canteen, start=TUESDAY_11)
    assert slot.booked == 10
    assert Booking.objects.filter(slot=slot, status=BookingStatus.CONFIRMED).count() == 10
    check_invariants()


def test_20_concurrent_replays_of_one_key_make_one_booking(postgres_only):
    canteen = capacity_40_slot()
    [user] = residents(CommunityFactory(), 1, "i")
    answers: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        result = book(user, canteen, TUESDAY_11, idempotency_key="same-key")
        with lock:
            answers.append(result.booking.pk)

    outcomes = run_all([call for _ in range(20)])
    assert outcomes == Counter({"OK": 20})
    assert Booking.objects.count() == 1 and set(answers) == {Booking.objects.get().pk}
    check_invariants()
