"""Short load runs (correctness only, not speed): locust in a second process against gunicorn on a
private PostgreSQL. The long runs are `bench/load/run.py` (figures in docs/BENCHMARKS.md)."""

from __future__ import annotations

import pytest

from bench.load.run import run_flash, run_mixed

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_flash_crowd_confirms_exactly_the_places_there_are(postgres_only, cluster):
    # given 10 slots of 10 places
    # when 300 residents try to book them at once (30 at a time)
    figures = run_flash(cluster, attempts=300, users=30, slots=10, places=10, web_workers=2, threads=4)
    # then every attempt was answered without error, and exactly 100 are confirmed, 10 per slot
    assert (figures["requests"], figures["failures"], figures["server_500s"]) == (300, 0, 0), figures
    assert figures["confirmed"] == figures["bookings"] == 100
    assert figures["booked_per_slot"] == [10] * 10
    assert figures["counters_agree"]


def test_mixed_traffic_has_no_errors_and_keeps_the_counters(postgres_only, cluster):
    # given 100 residents and 20 canteens
    # when 20 simulated residents read, book and cancel for 15 seconds
    figures = run_mixed(cluster, users=20, run_time=15, residents=100, web_workers=2, threads=4)
    # then every kind of request ran, none failed, and the slots' counters agree with the bookings (I1)
    assert set(figures["by_name"]) >= {"resources", "slots", "myBookings", "bookSlot"}, figures["by_name"]
    assert figures["failures"] == 0 and figures["server_500s"] == 0, figures.get("failure_samples")
    assert figures["confirmed"] > 0 and figures["counters_agree"]
