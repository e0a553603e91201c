"""Every unserved reason code, on a hand-made district."""

from __future__ import annotations

from matching.solver import Block, Community, Need, Problem, Resource, SolveSettings, solve

WD = (0, 1, 2, 3, 4)


def district() -> Problem:
    here = Community("c", 39.91, 116.36)
    canteen = Resource("canteen", "CANTEEN", 39.911, 116.36, (Block(0, WD, 690, 750, False, 30),))
    elderly_canteen = Resource(
        "elderly", "CANTEEN", 39.911, 116.361, (Block(0, WD, 690, 750, False, 100),), target_group="ELDERLY"
    )
    parking = Resource("parking", "PARKING", 39.911, 116.36, (Block(0, WD, 1140, 450, True, 50),))
    declined = Resource("hall", "HALL", 39.911, 116.36, (Block(0, (5,), 540, 660, False, 1),), capacity=100)
    needs = (
        Need("high", "c", "CANTEEN", 30, WD, 660, 780, priority=5),
        Need("low", "c", "CANTEEN", 20, WD, 660, 780, priority=1),
        Need("bath", "c", "BATHHOUSE", 10, (1,), 990, 1200),
        Need("morning-parking", "c", "PARKING", 10, WD, 420, 600),
        Need("meeting", "c", "HALL", 40, (5,), 540, 720),
        Need("elderly-only", "c", "CANTEEN", 20, WD, 900, 960),
    )
    return Problem(
        (here,), (canteen, elderly_canteen, parking, declined), needs, declined=(("meeting", "hall"),)
    )


def test_every_unserved_need_gets_its_coded_reason() -> None:
    # given
    problem = district()
    # when
    sol = solve(problem, SolveSettings(method="flow"))
    # then
    reasons = {u.need_key: u for u in sol.unserved}
    assert reasons["bath"].code == "NO_RESOURCE_IN_REACH"
    assert reasons["morning-parking"].code == "NO_WINDOW_FITS"
    assert reasons["meeting"].code == "DECLINED_BY_UNIT"
    assert reasons["low"].code == "CAPACITY_TAKEN"
    assert reasons["low"].blocking_need_keys == ("high",)
    assert reasons["low"].quantity == 20
    assert "high" not in reasons


def test_a_resource_for_another_target_group_is_not_eligible() -> None:
    # given: the only canteen open at 15:00 would be none; make the elderly canteen the only one in reach
    here = Community("c", 39.91, 116.36)
    only_elderly = Resource(
        "elderly", "CANTEEN", 39.911, 116.36, (Block(0, WD, 690, 750, False, 100),), target_group="ELDERLY"
    )
    problem = Problem((here,), (only_elderly,), (Need("n", "c", "CANTEEN", 10, WD, 660, 780),))
    # when
    sol = solve(problem, SolveSettings(method="flow"))
    # then
    assert [(u.need_key, u.code, u.quantity) for u in sol.unserved] == [("n", "NOT_ELIGIBLE", 10)]


def test_only_sessions_of_the_other_sex_are_not_eligible() -> None:
    # given
    here = Community("c", 39.91, 116.36)
    bath = Resource("bath", "BATHHOUSE", 39.911, 116.36, (Block(0, (1,), 1020, 1110, False, 20, "MALE"),))
    problem = Problem((here,), (bath,), (Need("n", "c", "BATHHOUSE", 10, (1,), 990, 1200, sex="FEMALE"),))
    # when
    sol = solve(problem, SolveSettings(method="flow"))
    # then
    assert [(u.need_key, u.code) for u in sol.unserved] == [("n", "NOT_ELIGIBLE")]
