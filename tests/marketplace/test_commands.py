from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from oauth2_provider.oauth2_backends import get_oauthlib_core

from marketplace.models import Role, User
from tests.factories import CommunityFactory, WorkUnitFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_add_user_then_issue_token_authenticates_a_request():
    # given
    community = CommunityFactory(name="新康社区")
    run("add_user", "wang", "--role", "resident", "--community", "新康社区", "--birth-date", "1950-02-03",
        "--verified")
    # when
    token = run("issue_token", "wang").strip()
    # then: one token and nothing else on stdout
    assert len(token.split()) == 1 and len(token) >= 30
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    assert valid and oauth_request.user.username == "wang"
    user = User.objects.get(username="wang")
    assert user.home_community_id == community.pk and user.residency_verified
    assert not user.has_usable_password()


def test_a_wrong_token_does_not_authenticate():
    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer not-a-token")
    valid, _ = get_oauthlib_core().verify_request(request, scopes=[])
    assert not valid


def test_add_user_adds_a_role_to_an_existing_user():
    unit = WorkUnitFactory(name="测试单位")
    CommunityFactory(name="新康社区")
    run("add_user", "li", "--role", "unit_admin", "--unit", "测试单位", "--password", "a-long-password-1")
    run("add_user", "li", "--role", "resident", "--community", "新康社区")
    user = User.objects.get(username="li")
    assert user.roles == [Role.RESIDENT, Role.UNIT_ADMIN] and user.unit_id == unit.pk
    assert user.check_password("a-long-password-1")


def test_add_user_finds_a_community_by_subdistrict_and_name_or_by_id():
    from tests.factories import SubdistrictFactory

    south, north = SubdistrictFactory(name="南街道"), SubdistrictFactory(name="北街道")
    in_south = CommunityFactory(name="同名社区", subdistrict=south)
    in_north = CommunityFactory(name="同名社区", subdistrict=north)
    run("add_user", "zhao", "--role", "resident", "--community", "北街道/同名社区")
    assert User.objects.get(username="zhao").home_community_id == in_north.pk
    run("add_user", "qian", "--role", "resident", "--community", str(in_south.pk))
    assert User.objects.get(username="qian").home_community_id == in_south.pk


def test_an_ambiguous_community_name_lists_the_choices():
    from tests.factories import SubdistrictFactory

    for subdistrict in ("南街道", "北街道"):
        CommunityFactory(name="同名社区", subdistrict=SubdistrictFactory(name=subdistrict))
    with pytest.raises(CommandError) as exc:
        run("add_user", "zhao", "--role", "resident", "--community", "同名社区")
    assert exc.value.returncode == 2
    assert "南街道/同名社区" in str(exc.value) and "北街道/同名社区" in str(exc.value)
    assert not User.objects.filter(username="zhao").exists()


def test_every_demo_community_is_found_by_its_name():
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    from marketplace.models import Community

    names = list(Community.objects.values_list("name", flat=True))
    assert len(names) == 263 and len(set(names)) == 263
    run("add_user", "xinkang", "--role", "resident", "--community", "新康社区", "--verified")
    home = Community.objects.get(pk=User.objects.get(username="xinkang").home_community_id)
    assert home.subdistrict.name == "德胜"


@pytest.mark.parametrize("args", [
    ("add_user", "li", "--role", "resident"),                                   # no community
    ("add_user", "li", "--role", "resident", "--community", "nowhere"),
    ("add_user", "li", "--role", "resident", "--community", "nowhere/新康社区"),
    ("add_user", "li", "--role", "resident", "--community", "999999"),
    ("add_user", "li", "--role", "unit_admin", "--unit", "nowhere"),
    ("add_user", "li", "--role", "district_staff", "--birth-date", "1950-13-01"),
    ("add_user", "li", "--role", "district_staff", "--phone", "123"),
    ("add_user", "x", "--role", "district_staff"),                             # username too short
    ("issue_token", "nobody"),
])
def test_bad_input_gives_a_message_and_exit_code_2(args):
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == 2 and str(exc.value)
    assert not User.objects.filter(username="li").exists()


@pytest.mark.django_db
@pytest.mark.postgres
def test_an_issued_token_is_stored_hashed_and_still_signs_in():
    # given
    from django.apps import apps
    from django.db import connection
    from django.test import Client

    from marketplace.services.tokens import issue_token
    from tests.factories import resident

    user = resident(CommunityFactory())
    # when
    raw = issue_token(user=user)
    # then: the raw value is in no column of any table
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            for field in model._meta.concrete_fields:
                if field.get_internal_type() in ("CharField", "TextField", "JSONField"):
                    # names come from the models, the value is a parameter
                    name, column = connection.ops.quote_name(table), connection.ops.quote_name(field.column)
                    sql = f"SELECT COUNT(*) FROM {name} WHERE CAST({column} AS TEXT) LIKE %s"  # noqa: S608
                    cursor.execute(sql, [f"%{raw}%"])
                    assert cursor.fetchone()[0] == 0, (table, field.column)
    # and it still authenticates a request
    answer = Client().post("/graphql/", data='{"query": "{ me { username } }"}', content_type="application/json",
                           headers={"Authorization": f"Bearer {raw}"})
    assert answer.json()["data"]["me"]["username"] == user.username
