"""Password guessing is throttled per account (issue 11, item 4): after 10 failures within 15 minutes
the account is refused for 15 minutes, the right password too, on /login/, /admin/login/ and
/o/token/; other accounts from the same address still sign in; district staff can unlock."""

from __future__ import annotations

import base64
import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from oauth2_provider.models import Application

from tests.factories import district_staff

pytestmark = pytest.mark.django_db

PASSWORD = "right-pass-1234"


@pytest.fixture
def victim():
    user = district_staff(username="victim")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def bystander():
    user = district_staff(username="bystander")
    user.set_password(PASSWORD)
    user.is_staff = True  # the admin's own sign-in form asks for it
    user.save(update_fields=["password", "is_staff"])
    return user


def _login(client: Client, username: str, password: str, path: str = "/login/"):  # type: ignore[no-untyped-def]
    return client.post(path, {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_forty_wrong_passwords_lock_the_account_even_for_the_right_one(victim, bystander, path: str):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(40):
        response = _login(attacker, "victim", "wrong-password", path)
        assert response.status_code in (200, 429)
    # the right password is refused now, with a clear message
    response = _login(attacker, "victim", PASSWORD, path)
    assert response.status_code == 429 and not _signed_in(attacker)
    assert "锁定" in response.content.decode()
    # a second browser on the same address signs in to another account
    colleague = Client(REMOTE_ADDR="203.0.113.7")
    response = _login(colleague, "bystander", PASSWORD, path)
    assert response.status_code == 302 and _signed_in(colleague)


def test_nine_failures_do_not_lock(victim):
    client = Client()
    for _ in range(9):
        assert _login(client, "victim", "wrong").status_code == 200
    assert _login(client, "victim", PASSWORD).status_code == 302


def test_the_lock_message_is_english_for_english_readers(victim):
    client = Client(headers={"accept-language": "en"})
    for _ in range(10):
        _login(client, "victim", "wrong")
    response = _login(client, "victim", PASSWORD)
    assert response.status_code == 429 and "locked" in response.content.decode()


def test_the_lock_lifts_after_fifteen_minutes(victim):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(10):
        _login(client, "victim", "wrong")
    assert _login(client, "victim", PASSWORD).status_code == 429
    # when the last failure is 15 minutes old
    AccessAttempt.objects.filter(username="victim").update(
        attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=5))
    assert _login(client, "victim", PASSWORD).status_code == 302


def test_district_staff_unlock_an_account_through_the_admin(victim, bystander):
    from axes.models import AccessAttempt

    for _ in range(10):
        _login(Client(), "victim", "wrong")
    assert _login(Client(), "victim", PASSWORD).status_code == 429
    staff = Client()
    staff.force_login(bystander)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "victim" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="victim")
    response = staff.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    from marketplace.models import AuditEntry

    assert AuditEntry.objects.filter(action="account.unlock", actor=bystander).count() == 1
    assert _login(Client(), "victim", PASSWORD).status_code == 302


def test_the_management_command_unlocks_an_account(victim):
    for _ in range(10):
        _login(Client(), "victim", "wrong")
    call_command("axes_reset_username", "victim", stdout=StringIO())
    assert _login(Client(), "victim", PASSWORD).status_code == 302


# --- the OAuth token endpoint -------------------------------------------------------------------

@pytest.fixture
def confidential_app(victim):
    app = Application(name="partner", client_type=Application.CLIENT_CONFIDENTIAL,
                      authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, user=victim,
                      client_secret="s3cret-" + "x" * 30, hash_client_secret=True)
    app.save()
    return app


def _token(client: Client, client_id: str, secret: str):  # type: ignore[no-untyped-def]
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post("/o/token/", {"grant_type": "client_credentials"},
                       headers={"authorization": f"Basic {basic}"})


def test_the_password_grant_is_refused(victim):
    response = Client().post("/o/token/", {"grant_type": "password", "username": "victim", "password": PASSWORD,
                                           "client_id": "nobody"})
    assert response.status_code in (400, 401) and "access_token" not in response.content.decode()


@pytest.mark.postgres
def test_token_endpoint_failures_lock_the_client(confidential_app):
    client = Client(REMOTE_ADDR="198.51.100.9")
    assert _token(client, confidential_app.client_id, "s3cret-" + "x" * 30).status_code == 200
    for _ in range(40):
        assert _token(client, confidential_app.client_id, "wrong-secret").status_code in (401, 429)
    response = _token(client, confidential_app.client_id, "s3cret-" + "x" * 30)
    assert response.status_code == 429 and "access_token" not in response.content.decode()
    assert int(response["Retry-After"]) > 0 and response.json()["error"]


def test_bad_authorization_codes_lock_the_client(confidential_app):
    app = Application(name="mobile", client_type=Application.CLIENT_PUBLIC,
                      authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                      redirect_uris="https://app.example/cb")
    app.save()
    client = Client()
    for _ in range(10):
        response = client.post("/o/token/", {"grant_type": "authorization_code", "code": "guess",
                                             "client_id": app.client_id, "redirect_uri": "https://app.example/cb",
                                             "code_verifier": "v" * 50})
        assert response.status_code in (400, 401, 429) and "access_token" not in response.content.decode()
    response = client.post("/o/token/", {"grant_type": "authorization_code", "code": "guess",
                                         "client_id": app.client_id, "redirect_uri": "https://app.example/cb",
                                         "code_verifier": "v" * 50})
    assert response.status_code == 429
    # the same app from another address is not affected, nor another client
    other = Client(REMOTE_ADDR="192.0.2.44")
    response = other.post("/o/token/", {"grant_type": "authorization_code", "code": "guess",
                                        "client_id": app.client_id, "redirect_uri": "https://app.example/cb",
                                        "code_verifier": "v" * 50})
    assert response.status_code in (400, 401)
    assert _token(client, confidential_app.client_id, "s3cret-" + "x" * 30).status_code == 200


# --- load_demo's passwords -----------------------------------------------------------------------

def test_load_demo_with_debug_off_makes_no_demo_password():
    from marketplace.models import User

    call_command("load_demo", "--scale", "0.05", stdout=StringIO(), stderr=StringIO())
    users = list(User.objects.filter(demo=True))
    assert len(users) > 5 and "demo-staff" in {u.username for u in users}
    assert not any(u.check_password("demo") for u in users)


def test_load_demo_makes_demo_passwords_when_told():
    from marketplace.models import User

    call_command("load_demo", "--scale", "0.05", "--demo-passwords", stdout=StringIO(), stderr=StringIO())
    assert User.objects.get(username="demo-staff").check_password("demo")


@override_settings(DEBUG=True)
def test_load_demo_with_debug_on_keeps_the_demo_password():
    from marketplace.models import User

    call_command("load_demo", "--scale", "0.05", stdout=StringIO(), stderr=StringIO())
    assert User.objects.get(username="demo-staff").check_password("demo")
