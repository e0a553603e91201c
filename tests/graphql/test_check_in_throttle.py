"""Guessing check-in codes is throttled per staff member (issue 11, item 9): 20 misses in 10 minutes,
through `unitBookings(search:)` with a code or `checkIn`, then RATE_LIMITED with `until`."""

from __future__ import annotations

import datetime as dt

from .conftest import Api
from .world import NOW, World

SEARCH = "query($s: String) { unitBookings(search: $s) { edges { node { id } } } }"
CHECK_IN = "mutation($c: String!) { checkIn(input: {code: $c}) { booking { id } errors { code until } } }"


def _wrong_codes(world: World, n: int) -> list[str]:
    real = world.booking.check_in_code
    return [c for c in (f"{i:06d}" for i in range(100000, 100000 + n + 1)) if c != real][:n]


def test_twenty_missed_code_searches_then_rate_limited_with_until(api: Api, world: World) -> None:
    gate = api.client_for(world["staff_x"])
    for code in _wrong_codes(world, 20):
        answer = api.post(SEARCH, {"s": code}, client=gate)
        assert answer.data["unitBookings"]["edges"] == [] and not answer.errors
    # the 21st look-up is refused, even with the right code
    answer = api.post(SEARCH, {"s": world.booking.check_in_code}, client=gate)
    assert answer.codes == ["RATE_LIMITED"]
    until = dt.datetime.fromisoformat(answer.errors[0]["extensions"]["until"])
    assert NOW < until <= NOW + dt.timedelta(minutes=10, seconds=1)
    # a colleague at the same unit is not held up
    admin = api.client_for(world["admin_x"])
    answer = api.post(SEARCH, {"s": world.booking.check_in_code}, client=admin)
    assert len(answer.data["unitBookings"]["edges"]) == 1


def test_hits_do_not_count(api: Api, world: World) -> None:
    gate = api.client_for(world["staff_x"])
    for _ in range(30):
        answer = api.post(SEARCH, {"s": world.booking.check_in_code}, client=gate)
        assert len(answer.data["unitBookings"]["edges"]) == 1


def test_missed_check_ins_count_too(api: Api, world: World, settings: object) -> None:
    settings.GRAPHQL_MUTATION_RATE = {"limit": 1000, "window": 60}  # type: ignore[attr-defined]
    gate = api.client_for(world["staff_x"])
    codes = _wrong_codes(world, 20)
    for code in codes[:10]:
        assert api.post(SEARCH, {"s": code}, client=gate).data["unitBookings"]["edges"] == []
    for code in codes[10:]:
        [error] = api.post(CHECK_IN, {"c": code}, client=gate).data["checkIn"]["errors"]
        assert error["code"] == "NOT_FOUND"
    [error] = api.post(CHECK_IN, {"c": world.booking.check_in_code}, client=gate).data["checkIn"]["errors"]
    assert error["code"] == "RATE_LIMITED" and error["until"]
