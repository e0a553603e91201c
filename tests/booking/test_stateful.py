"""A stateful property test (hypothesis): random sequences of book / cancel / close / approve /
reject / expire / change capacity / add and release quota (promotion follows from them), checking
I1–I3 of docs/ARCHITECTURE.md after every step. SQLite by default; each example rolls back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from booking.models import ACTIVE, Booking, BookingStatus, QuotaRule
from booking.services.availability import close_slots, update_resource_with_hours
from booking.services.lifecycle import cancel_booking, decide_booking, expire_pending
from booking.services.quota import add_quota, release_due_quota, remove_quota
from core.errors import ServiceError
from marketplace.services.resources import ResourceFields
from tests.factories import CommunityFactory, ResourceFactory, WorkUnitFactory, unit_admin

from .conftest import NOW, book, local, lunch_windows, person, with_hours
from .invariants import check_invariants

DAYS = [dt.date(2026, 12, 1), dt.date(2026, 12, 2)]


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        unit = WorkUnitFactory()
        self.admin = unit_admin(unit)
        self.shared = with_hours(ResourceFactory(unit=unit, capacity=3, max_active_per_resident=5), lunch_windows())
        self.hall = with_hours(ResourceFactory(unit=unit, category="HALL", booking_mode="EXCLUSIVE",
                                               requires_approval=True, capacity=30), lunch_windows())
        self.communities = [CommunityFactory(), CommunityFactory()]
        self.people = [person(self.communities[i % 2]) for i in range(5)]

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _try(self, call) -> None:  # type: ignore[no-untyped-def]
        try:
            call()
        except ServiceError:
            pass

    def _resource(self, hall: bool):  # type: ignore[no-untyped-def]
        return self.hall if hall else self.shared

    @rule(who=st.integers(0, 4), day=st.integers(0, 1), hour=st.sampled_from([11, 12]), hall=st.booleans(),
          quantity=st.integers(1, 2), wait=st.booleans())
    def book(self, who: int, day: int, hour: int, hall: bool, quantity: int, wait: bool) -> None:
        hour = hour if hall else 11  # the shared resource's quota covers the 11:00 sitting
        self._try(lambda: book(self.people[who], self._resource(hall), local(DAYS[day], hour),
                               quantity=1 if hall else quantity, join_waitlist=wait))

    @rule(pick=st.integers(0, 50), by_admin=st.booleans())
    def cancel(self, pick: int, by_admin: bool) -> None:
        active = list(Booking.objects.filter(status__in=ACTIVE).order_by("pk"))
        if active:
            booking = active[pick % len(active)]
            actor = self.admin if by_admin else booking.user
            self._try(lambda: cancel_booking(actor=actor, booking=booking, reason="r", now=NOW))

    @rule(pick=st.integers(0, 50), approve=st.booleans())
    def decide(self, pick: int, approve: bool) -> None:
        pending = list(Booking.objects.filter(status=BookingStatus.PENDING).order_by("pk"))
        if pending:
            self._try(lambda: decide_booking(actor=self.admin, booking=pending[pick % len(pending)], approve=approve,
                                             reason="r", now=NOW))

    @rule(day=st.integers(0, 1), hall=st.booleans())
    def close(self, day: int, hall: bool) -> None:
        self._try(lambda: close_slots(actor=self.admin, resource=self._resource(hall), start=local(DAYS[day], 11),
                                      end=local(DAYS[day], 11, 30), reason="closed", now=NOW))

    @rule(day=st.integers(0, 1))
    def expire(self, day: int) -> None:
        expire_pending(now=local(DAYS[day], 11))

    @rule(capacity=st.integers(1, 5))
    def change_capacity(self, capacity: int) -> None:
        self.shared.refresh_from_db()
        self._try(lambda: update_resource_with_hours(actor=self.admin, resource=self.shared,
                                                     data=ResourceFields(capacity=capacity), now=NOW))
        self.shared.refresh_from_db()

    @rule(community=st.integers(0, 1), amount=st.integers(1, 2))
    def add_quota(self, community: int, amount: int) -> None:
        self._try(lambda: add_quota(community=self.communities[community], resource=self.shared,
                                    start_time=dt.time(11), end_time=dt.time(12), ends_next_day=False,
                                    weekdays=[1, 2], starts_on=DAYS[0], ends_on=DAYS[1], amount=amount, actor=None,
                                    now=NOW))

    @rule(pick=st.integers(0, 10))
    def remove_quota(self, pick: int) -> None:
        rules = list(QuotaRule.objects.filter(removed_at=None).order_by("pk"))
        if rules:
            remove_quota(rule=rules[pick % len(rules)], actor=None, reason="gone", now=NOW)

    @rule(day=st.integers(0, 1))
    def release_quota(self, day: int) -> None:
        release_due_quota(now=local(DAYS[day], 11) - dt.timedelta(hours=24))

    @invariant()
    def invariants_hold(self) -> None:
        check_invariants()


@pytest.mark.django_db
@override_settings(BOOKING_HORIZON_DAYS=7)
def test_invariants_hold_after_every_step() -> None:
    run_state_machine_as_test(BookingMachine, settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
