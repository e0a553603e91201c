"""Booking benchmark on PostgreSQL: bookings per second through `book_slot` with N threads, beside the
floor of the same statements issued as raw SQL (conditional UPDATE of the slot, INSERT booking, INSERT
the in-app notification) in one transaction per booking, on the same machine in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_booking python bench/booking.py \
        [--threads 1,8,16] [--bookings 2000] [--write-docs]

It creates and drops its own test database (test_<name>). Each run books distinct residents onto one
hot slot whose capacity fits them all (the worst case: every transaction waits on the same row).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import threading
import time
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
    return resource, list(User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"))


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


def raw_rate(threads: int, count: int) -> float:
    from booking.models import Slot

    resource, users = setup(count)
    slot_id = Slot.objects.get(resource=resource, start=START).pk

    def book(user: object) -> None:
        uid = user.pk  # type: ignore[attr-defined]
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE booking_slot SET booked = booked + 1 WHERE id = %s AND booked + held + 1 <= capacity",
                        [slot_id])
            assert cur.rowcount == 1
            cur.execute(
                "INSERT INTO booking_booking (resource_id, slot_id, user_id, start, \"end\", quantity, status, "
                "status_reason, plate_number, note, check_in_code, calendar_secret, \"group\", created_at) "
                "VALUES (%s, %s, %s, %s, %s, 1, 'CONFIRMED', '', '', '', %s, %s, gen_random_uuid(), now()) "
                "RETURNING id", [resource.pk, slot_id, uid, START, START + dt.timedelta(hours=1),  # type: ignore[attr-defined]
                                 f"{uid % 1_000_000:06d}", f"raw-{uid}"])
            booking_id = cur.fetchone()[0]
            cur.execute("INSERT INTO notifications_notification (user_id, kind, key, params, booking_id, created_at) "
                        "VALUES (%s, 'BOOKING_CONFIRMED', %s, '{}', %s, now())",
                        [uid, f"booking:{booking_id}:confirmed", booking_id])

    return run(threads, users, book)


def write_docs(lines: list[str]) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = "## Booking\n\n" + "\n".join(lines) + "\n"
    if "## Booking" in text:
        text = re.sub(r"## Booking\n.*?(?=\n## |\Z)", section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,8,16")
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL=postgres://... (the benchmark measures PostgreSQL)")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = []
    try:
        for threads in [int(t) for t in args.threads.split(",")]:
            svc = service_rate(threads, args.bookings)
            raw = raw_rate(threads, args.bookings)
            rows.append((threads, svc, raw))
            log(f"threads {threads:>3}: service {svc:8.0f}/s  raw SQL {raw:8.0f}/s  ratio {svc / raw:5.2f}")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    import platform

    lines = [
        f"`python bench/booking.py --threads {args.threads} --bookings {args.bookings}` on PostgreSQL, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {dt.date.today()}: "
        f"{args.bookings} distinct residents book one seat each on one hot slot.",
        "",
        "| threads | service (bookings/s) | raw SQL floor (bookings/s) | service / raw |",
        "|---:|---:|---:|---:|",
        *[f"| {t} | {s:.0f} | {r:.0f} | {s / r:.2f} |" for t, s, r in rows],
        "",
        "The service does per booking: the membership, slot, suspension and active-bookings reads, the "
        "booking INSERT, the in-app notification, and the conditional UPDATE last. The floor "
        "issues only the conditional UPDATE, the booking INSERT and the notification INSERT in one "
        "transaction. Target: the service reaches at least half of the floor.",
    ]
    print("\n".join(lines))
    if args.write_docs:
        write_docs(lines)


if __name__ == "__main__":
    main()
