from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from marketplace.demo import stages
from marketplace.demo.district import SUBDISTRICTS, generate
from marketplace.models import Community, Membership, Role, User
from tests.factories import CommunityFactory, resident

ROOT = Path(__file__).resolve().parents[2]


def test_generator_is_deterministic_for_a_seed():
    assert generate(1, seed=7) == generate(1, seed=7)
    assert generate(1, seed=7) != generate(1, seed=8)


def test_scale_one_is_xicheng():
    d = generate(1, seed=1)
    assert [s.name for s in d.subdistricts] == [s[0] for s in SUBDISTRICTS]
    assert len(d.communities) == 263
    assert len(d.units) == 400
    assert 1000 <= len(d.resources) <= 1400
    assert {r.category for r in d.resources} == {"CANTEEN", "PARKING", "HALL", "BATHHOUSE", "OTHER"}
    first_unit = [r.category for r in d.resources if r.unit_key == d.units[0].key]
    assert {"CANTEEN", "PARKING", "HALL"} <= set(first_unit)


def _reference() -> list[tuple[str, str]]:
    import csv

    with (ROOT / "marketplace/demo/data/xicheng_communities.csv").open(encoding="utf-8") as f:
        return [(row["subdistrict"], row["community"]) for row in csv.DictReader(f)]


def test_scale_one_has_the_real_communities_of_xicheng_under_their_subdistricts():
    d = generate(1, seed=1)
    subdistrict_names = {s.key: s.name for s in d.subdistricts}
    generated = sorted((subdistrict_names[c.subdistrict_key], c.name) for c in d.communities)
    assert generated == sorted(_reference())
    assert len({c.name for c in d.communities}) == 263


@pytest.mark.parametrize("scale", [0.3, 1, 2.5])
def test_every_community_name_is_distinct_at_every_scale(scale: float):
    d = generate(scale, seed=3)
    names = [c.name for c in d.communities]
    assert len(names) == len(set(names))
    real = {name for _, name in _reference()}
    assert all(name in real or name.split("·")[0] in real for name in names)


def test_capacities_look_real():
    d = generate(1, seed=1)
    ranges = {"CANTEEN": (40, 300), "PARKING": (10, 200), "HALL": (30, 500)}
    for r in d.resources:
        if r.category in ranges:
            low, high = ranges[r.category]
            assert low <= r.capacity <= high, r


def test_scale_four_is_about_four_times_as_large():
    one, four = generate(1, seed=1), generate(4, seed=1)
    for attr in ("communities", "units", "resources"):
        ratio = len(getattr(four, attr)) / len(getattr(one, attr))
        assert 3.6 <= ratio <= 4.4, (attr, ratio)


@pytest.mark.django_db
def test_load_demo_twice_gives_the_same_counts():
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    first = stages.counts()
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    assert stages.counts() == first
    assert first["subdistricts"] == 15 and first["communities"] == 263 and first["units"] == 400


@pytest.mark.django_db
def test_load_demo_creates_the_demo_users():
    call_command("load_demo", "--demo-passwords", stdout=StringIO(), stderr=StringIO())
    me = User.objects.get(username="demo-resident")
    assert me.residency_verified and me.birth_date.year == 1950
    first = Community.objects.get(demo_key="c0-0-0")
    assert first.subdistrict.name == "西长安街" and me.home_community_id == first.pk
    worker = User.objects.get(username="demo-worker")
    assert worker.worker_community_id == first.pk
    unit_admin, gate = User.objects.get(username="demo-unit"), User.objects.get(username="demo-gate")
    assert unit_admin.membership(Role.UNIT_ADMIN).unit_id == gate.membership(Role.UNIT_STAFF).unit_id
    assert User.objects.get(username="demo-staff").is_district_staff
    assert me.check_password("demo")
    # one precomputed hash shared by the demo residents
    hashes = set(User.objects.filter(memberships__role=Role.RESIDENT).values_list("password", flat=True))
    assert len(hashes) == 1


@pytest.mark.django_db
def test_load_demo_refuses_beside_foreign_users_unless_forced():
    resident(CommunityFactory(), username="real-person")
    with pytest.raises(CommandError) as exc:
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    assert exc.value.returncode == 2 and "--force" in str(exc.value)
    assert Membership.objects.count() == 1
    call_command("load_demo", "--force", stdout=StringIO(), stderr=StringIO())
    assert Community.objects.count() == 264


@pytest.mark.django_db
def test_load_demo_refuses_a_bad_scale():
    with pytest.raises(CommandError) as exc:
        call_command("load_demo", "--scale", "0", stdout=StringIO(), stderr=StringIO())
    assert exc.value.returncode == 2


def test_bad_options_exit_with_code_2_and_a_message(tmp_path):
    env = {**os.environ, "SQLITE_PATH": str(tmp_path / "x.sqlite3"), "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "manage.py", "load_demo", "--scale", "lots"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--scale" in result.stderr
