"""Data for fault and load tests, built through the services in a subprocess on the private database
(`stack.script(env, "from tests.faults import scenarios; print(json.dumps(scenarios.X(...)))")`).
Import only after django.setup()."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from graphql_relay import to_global_id

from booking.models import Booking
from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from booking.services.hours import WindowSpec
from core.clock import at, local_date
from marketplace.services.tokens import issue_token
from tests.factories import CommunityFactory, ResourceFactory, WorkUnitFactory, resident

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


def _all_day(capacity: int) -> list[WindowSpec]:
    return [WindowSpec(weekdays=ALL_DAYS, start_time=dt.time(0), end_time=dt.time(23, 59), capacity=capacity)]


def expiring_bookings(n: int, *, email: bool = True, phone: bool = False) -> dict[str, Any]:
    """`n` residents with a PENDING booking (approval resource) of today's slot, which started at
    local midnight: the next expiry job (real clock) cancels them all and tells each owner."""
    now = timezone.now()
    yesterday = at(local_date(now) - dt.timedelta(days=1), dt.time(12))
    resource = ResourceFactory(capacity=n, requires_approval=True)
    set_opening_hours(actor=None, resource=resource, windows=_all_day(n), now=yesterday)
    start = at(local_date(now), dt.time(0))
    home = CommunityFactory()
    ids = []
    for i in range(n):
        user = resident(home, email=f"r{i}@example.com" if email else "", phone=f"1381234{i:04d}" if phone else "")
        ids.append(book_slot(actor=user, request=BookingRequest(resource=resource, start=start),
                             now=yesterday).bookings[0].pk)
    return {"bookings": ids}


def residents_with_tokens(n: int, *, capacity: int = 1000, days: int = 10, slots_per_day: int = 1,
                          places: int | None = None) -> dict[str, Any]:
    """A canteen open every day (`slots_per_day` equal sittings from 08:00) and `n` residents with
    e-mail and a bearer token. Returns the resource's global id, the bookable starts (from tomorrow,
    local) and the tokens."""
    unit = WorkUnitFactory()
    resource = ResourceFactory(unit=unit, capacity=places or capacity, max_active_per_resident=50)
    windows = [WindowSpec(weekdays=ALL_DAYS, start_time=dt.time(8 + k), end_time=dt.time(9 + k), capacity=capacity)
               for k in range(slots_per_day)]
    now = timezone.now()
    set_opening_hours(actor=None, resource=resource, windows=windows, now=now)
    tomorrow = local_date(now) + dt.timedelta(days=1)
    starts = [at(tomorrow + dt.timedelta(days=d), dt.time(8 + k)).isoformat() for d in range(days)
              for k in range(slots_per_day)]
    home = CommunityFactory()
    tokens = []
    for i in range(n):
        user = resident(home, email=f"r{i}@example.com", username=f"resident{i}")
        tokens.append(issue_token(user=user))
    return {"resource": to_global_id("Resource", resource.pk), "resource_pk": resource.pk, "starts": starts,
            "tokens": tokens}


def booking_ids() -> list[int]:
    return list(Booking.objects.order_by("pk").values_list("pk", flat=True))


def matching_two_parts() -> dict[str, Any]:
    """Two communities far apart, each with a lunch need (30 and 20) and a canteen of 40 near it
    (each unit with an admin):
    a run over them has two independent parts. Dated like tests/matching (NOW = 2026-11-30)."""
    from tests.factories import SubdistrictFactory, community_worker, unit_admin
    from tests.matching.conftest import canteen_with_hours, lunch_need

    subdistrict = SubdistrictFactory()
    near = CommunityFactory(subdistrict=subdistrict, lat=39.91, lon=116.37)
    far = CommunityFactory(subdistrict=subdistrict, lat=39.951, lon=116.451)
    units = [WorkUnitFactory(subdistrict=subdistrict), WorkUnitFactory(subdistrict=subdistrict, lat=39.95, lon=116.45)]
    for unit in units:
        unit_admin(unit)  # told of the proposals to their unit, once per run
    canteen_with_hours(units[0], capacity=40)
    canteen_with_hours(units[1], capacity=40, lat=39.95, lon=116.45)
    needs = [lunch_need(community_worker(near), quantity=30).pk, lunch_need(community_worker(far), quantity=20).pk]
    return {"needs": needs}


def start_run() -> int:
    """Queues a match run (published to the broker on commit, as the API does)."""
    from matching.services.runs import start_match_run
    from tests.matching.conftest import NOW

    return int(start_match_run(actor=None, now=NOW).pk)


def load_world(residents: int, *, resources: int, places: int, sittings: int, days: int,
               first_sitting: int = 8) -> dict[str, Any]:
    """For load runs: `resources` canteens open every day with `sittings` one-hour sittings of
    `places` from `first_sitting` o'clock, and `residents` verified residents with bearer tokens,
    written in bulk (thousands of people in seconds). Returns the resources' global ids, the
    bookable starts (from tomorrow, local) and the tokens."""
    from django.contrib.auth.hashers import make_password
    from oauth2_provider.models import AccessToken
    from oauthlib.common import generate_token

    from marketplace.models import Membership, Role, User
    from marketplace.services.tokens import cli_application

    now = timezone.now()
    unit = WorkUnitFactory()
    windows = [WindowSpec(weekdays=ALL_DAYS, start_time=dt.time(first_sitting + k),
                          end_time=dt.time(first_sitting + k + 1), capacity=places) for k in range(sittings)]
    made = []
    for _ in range(resources):
        resource = ResourceFactory(unit=unit, capacity=places, max_active_per_resident=1000)
        set_opening_hours(actor=None, resource=resource, windows=windows, now=now)
        made.append(to_global_id("Resource", resource.pk))
    tomorrow = local_date(now) + dt.timedelta(days=1)
    starts = [at(tomorrow + dt.timedelta(days=d), dt.time(first_sitting + k)).isoformat()
              for d in range(days) for k in range(sittings)]
    home = CommunityFactory()
    password = make_password(None)
    tag = generate_token(6).lower()
    users = User.objects.bulk_create([User(username=f"load-{tag}-{i}", password=password,
                                           birth_date=dt.date(1980, 1, 1)) for i in range(residents)],
                                     batch_size=1000)
    Membership.objects.bulk_create([Membership(user=u, role=Role.RESIDENT, community=home, verified_at=now)
                                    for u in users], batch_size=1000)
    app = cli_application()
    tokens = [generate_token(40) for _ in users]
    AccessToken.objects.bulk_create([AccessToken(user=u, application=app, token=t, scope="read write",
                                                 expires=now + dt.timedelta(days=2)) for u, t in zip(users, tokens,
                                                                                                     strict=True)],
                                    batch_size=1000)
    return {"resources": made, "starts": starts, "tokens": tokens}
