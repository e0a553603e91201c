"""Booking benchmark on PostgreSQL: bookings per second through `book_slot` with N threads, beside the
floor of the statements a booking cannot do without, issued as raw SQL in one transaction per booking,
on the same machine in the same run: in the service's order (INSERT booking, INSERT the in-app
notification, the conditional UPDATE of the slot last: the hot row is locked for the shortest time),
and in the old order (UPDATE first, holding the hot row's lock through both INSERTs) beside it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_booking python bench/booking.py \
        [--threads 1,8,16] [--bookings 2000] [--rounds 3] [--write-docs]

It creates and drops its own test database (test_<name>). Each run books distinct residents onto one
hot slot whose capacity fits them all (the worst case: every transaction waits on the same row).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # keep bench/booking.py from shadowing the booking package
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 30, 8, tzinfo=TZ)
START = dt.datetime(2026, 12, 1, 11, tzinfo=TZ)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def setup(count: int) -> tuple[object, list[object]]:
    from booking.services.availability import set_opening_hours
    from booking.services.hours import WindowSpec
    from marketplace.models import Community, Membership, Resource, Role, Subdistrict, User, WorkUnit

    stamp = int(time.time() * 1000)
    sub = Subdistrict.objects.create(name=f"bench {stamp}", lat=39.91, lon=116.37)
    community = Community.objects.create(name=f"bench {stamp}", subdistrict=sub, lat=39.91, lon=116.37)
    unit = WorkUnit.objects.create(name=f"bench {stamp}", kind="ENTERPRISE", subdistrict=sub, lat=39.91,
                                   lon=116.37)
    resource = Resource.objects.create(name=f"bench {time.time()}", category="CANTEEN", unit=unit, address="x",
                                       lat=39.91, lon=116.37, capacity=5000, max_active_per_resident=100)
    set_opening_hours(actor=None, resource=resource, now=NOW,
                      windows=[WindowSpec(weekdays=(0, 1, 2, 3, 4), start_time=dt.time(11), end_time=dt.time(12))])
    users = User.objects.bulk_create([User(username=f"b{stamp}-{i}") for i in range(count)])
    Membership.objects.bulk_create([Membership(user=u, role=Role.RESIDENT, community=community) for u in users])
    # with their memberships, as a request has them (the verified token carries them): the service reads none
    people = User.objects.filter(pk__in=[u.pk for u in users]).prefetch_related("memberships")
    return resource, list(people.order_by("pk"))


def run(threads: int, jobs: list[object], fn: object) -> float:
    barrier = threading.Barrier(threads)
    queue = list(jobs)
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    job = queue.pop()
                fn(job)  # type: ignore[operator]
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    return len(jobs) / (time.perf_counter() - started)


def service_rate(threads: int, count: int) -> float:
    from booking.services.bookings import BookingRequest, book_slot

    resource, users = setup(count)

    def book(user: object) -> None:
        book_slot(actor=user, request=BookingRequest(resource=resource, start=START), now=NOW)  # type: ignore[arg-type]

    return run(threads, users, book)


BOOKING_INSERT = (
    "INSERT INTO booking_booking (resource_id, slot_id, user_id, start, \"end\", quantity, status, "
    "status_reason, plate_number, note, check_in_code, calendar_secret, \"group\", created_at) "
    "VALUES (%s, %s, %s, %s, %s, 1, 'CONFIRMED', '', '', '', %s, %s, gen_random_uuid(), now()) RETURNING id")
NOTIFICATION_INSERT = ("INSERT INTO notifications_notification (user_id, kind, key, params, booking_id, created_at) "
                       "VALUES (%s, 'BOOKING_CONFIRMED', %s, '{}', %s, now())")
SLOT_UPDATE = "UPDATE booking_slot SET booked = booked + 1 WHERE id = %s AND booked + held + 1 <= capacity"


def raw_rate(threads: int, count: int, *, update_first: bool) -> float:
    """The floor: UPDATE last (the service's order) or, with `update_first`, the old order."""
    from booking.models import Slot

    resource, users = setup(count)
    slot_id = Slot.objects.get(resource=resource, start=START).pk

    def book(user: object) -> None:
        uid = user.pk  # type: ignore[attr-defined]
        with transaction.atomic(), connection.cursor() as cur:
            if update_first:
                cur.execute(SLOT_UPDATE, [slot_id])
                assert cur.rowcount == 1
            cur.execute(BOOKING_INSERT, [resource.pk, slot_id, uid, START, START + dt.timedelta(hours=1),  # type: ignore[attr-defined]
                                         f"{uid % 1_000_000:06d}", f"raw-{uid}"])
            booking_id = cur.fetchone()[0]
            cur.execute(NOTIFICATION_INSERT, [uid, f"booking:{booking_id}:confirmed", booking_id])
            if not update_first:
                cur.execute(SLOT_UPDATE, [slot_id])
                assert cur.rowcount == 1

    return run(threads, users, book)


def interleaved(threads: int, count: int, rounds: int) -> tuple[float, float, float]:
    """Medians of `rounds` runs of the service and of both floors, interleaved and in a rotating order, so
    that a slow phase of a shared machine falls on all three alike."""
    runs: list[tuple[str, Callable[[], float]]] = [
        ("service", lambda: service_rate(threads, count)),
        ("floor", lambda: raw_rate(threads, count, update_first=False)),
        ("old", lambda: raw_rate(threads, count, update_first=True)),
    ]
    rates: dict[str, list[float]] = {name: [] for name, _run in runs}
    for r in range(rounds):
        for name, measure in runs[r % 3:] + runs[:r % 3]:
            rates[name].append(measure())
        log(f"threads {threads:>3}, round {r + 1}/{rounds}: "
            + "  ".join(f"{n} {v[-1]:.0f}/s" for n, v in rates.items()))
    return (statistics.median(rates["service"]), statistics.median(rates["floor"]), statistics.median(rates["old"]))


SECTION = "## Booking (`bench/booking.py`)"


def write_docs(lines: list[str], path: Path | None = None) -> None:
    """Replaces the section under SECTION in docs/BENCHMARKS.md (up to the next `## `), or appends it."""
    path = path or ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = SECTION + "\n\n" + "\n".join(lines) + "\n"
    pattern = re.compile(re.escape(SECTION) + r"\n.*?(?=\n## |\Z)", flags=re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,8,16")
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each, interleaved (the order rotates each round); medians are reported")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL=postgres://... (the benchmark measures PostgreSQL)")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = []
    try:
        for threads in [int(t) for t in args.threads.split(",")]:
            svc, raw, old = interleaved(threads, args.bookings, args.rounds)
            rows.append((threads, svc, raw, old))
            log(f"threads {threads:>3}: service {svc:8.0f}/s  floor {raw:8.0f}/s  ratio {svc / raw:5.2f}  "
                f"(old-order floor {old:8.0f}/s, ratio {svc / old:5.2f})")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    import platform

    lines = [
        f"`python bench/booking.py --threads {args.threads} --bookings {args.bookings} --rounds {args.rounds}` "
        f"on PostgreSQL, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: "
        f"{args.bookings} distinct residents book one seat each on one hot slot; the service and both floors "
        f"run {args.rounds} times each, interleaved, and each figure is the median.",
        "",
        "| threads | service (bookings/s) | floor, service's order (bookings/s) | service / floor "
        "| floor, old order: UPDATE first (bookings/s) | service / old floor |",
        "|---:|---:|---:|---:|---:|---:|",
        *[f"| {t} | {s:.0f} | {r:.0f} | {s / r:.2f} | {o:.0f} | {s / o:.2f} |" for t, s, r, o in rows],
        "",
        "The service (`book_slot`, memberships loaded with the user as in a request) does per booking: "
        "BEGIN, one read of the slot with the resident's active bookings and suspension (UNION ALL), the "
        "booking INSERT, the in-app notification INSERT (ON CONFLICT DO NOTHING), the conditional UPDATE of "
        "the slot last, COMMIT: 6 statements. The floor is BEGIN, the booking INSERT, the notification INSERT, the "
        "conditional UPDATE, COMMIT (5) in the service's order; the old floor issued the UPDATE first and "
        "held the hot row's lock through both INSERTs. Target: the service reaches at least half of the floor.",
    ]
    print("\n".join(lines))
    if args.write_docs:
        write_docs(lines)


if __name__ == "__main__":
    main()
