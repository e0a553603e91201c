"""The demo's booking stages and the periodic tasks (run eagerly)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking import tasks
from booking.models import Booking, OpeningWindow, ResourceHours, Slot
from booking.services.slots import horizon_end
from marketplace.demo.district import generate

from .invariants import check_invariants

pytestmark = pytest.mark.django_db


def test_load_demo_gives_hours_slots_and_consistent_bookings():
    # when the demo loads at a small scale
    call_command("load_demo", "--scale", "0.1", stdout=StringIO(), stderr=StringIO())
    # then every generated window is an opening window with its scheduler event, slots reach the horizon,
    # and the demo bookings agree with the counters
    district = generate(scale=0.1, seed=1)
    assert OpeningWindow.objects.count() == sum(len(r.windows) for r in district.resources)
    assert not OpeningWindow.objects.filter(event__isnull=True).exists()
    assert ResourceHours.objects.count() == len(district.resources)
    last = Slot.objects.order_by("-start").first()
    assert last is not None and last.start.date() <= horizon_end(timezone.localdate())
    assert Booking.objects.exists()
    assert Booking.objects.filter(resource__category="PARKING").exclude(plate_number="").exists()
    check_invariants()


def test_periodic_tasks_run_and_are_idempotent(canteen):
    # given a canteen whose stored slots were cut back to one week
    Slot.objects.filter(start__gte=timezone.now() + dt.timedelta(days=7)).delete()
    ResourceHours.objects.update(materialised_until=timezone.localdate() + dt.timedelta(days=6))
    # when the materialisation job runs twice
    first = tasks.materialise_slots_task.delay().get()
    second = tasks.materialise_slots_task.delay().get()
    # then the first stores the missing weeks and the second nothing
    assert first > 0 and second == 0
    for task in (tasks.release_quota_task, tasks.expire_bookings_task, tasks.mark_no_shows_task,
                 tasks.send_reminders_task, tasks.extend_standing_bookings_task):
        assert task.delay().get() >= 0
    check_invariants()
