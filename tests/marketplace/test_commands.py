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


@pytest.mark.parametrize("args", [
    ("add_user", "li", "--role", "resident"),                                   # no community
    ("add_user", "li", "--role", "resident", "--community", "nowhere"),
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
