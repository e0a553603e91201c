"""The HTTP rules of `/graphql/`: POST JSON only, no batching, bearer tokens alone, sessions with CSRF."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import CommunityFactory, WorkUnitFactory, resident, unit_admin

from .conftest import Api

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ME = "{ me { username } }"


def test_form_encoded_bodies_are_refused() -> None:
    # when
    response = Client().post("/graphql/", data={"query": ME})
    # then
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID"


def test_get_is_refused_so_no_mutation_runs_over_get() -> None:
    # when
    response = Client().get("/graphql/", {"query": "mutation { markNotificationsRead(input: {all: true}) { unreadCount } }"})  # noqa: E501
    # then
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID"


def test_batched_operations_are_refused() -> None:
    # when
    response = Client().post("/graphql/", data=json.dumps([{"query": ME}, {"query": ME}]),
                             content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID"


@pytest.mark.parametrize("body", [b"{not json", b'"a string"', b'{"query": 3}', b'{"query": "{ me { id } }", "variables": [1]}'])  # noqa: E501
def test_malformed_bodies_are_coded_errors(body: bytes) -> None:
    # when
    response = Client().post("/graphql/", data=body, content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID"


def test_a_bearer_token_authenticates_alone_without_csrf(api: Api) -> None:
    # given
    person = resident(CommunityFactory(), username="tokenuser")
    token = api.token_for(person)
    client = Client(enforce_csrf_checks=True)
    # when
    answer = api.post(ME, token=token, client=client)
    # then
    assert answer.status == 200
    assert answer.data == {"me": {"username": "tokenuser"}}


def test_a_bearer_request_ignores_the_session_cookie(api: Api) -> None:
    # given a session of one user and a token of another
    session_user = resident(CommunityFactory(), username="sessionuser")
    token_user = resident(CommunityFactory(), username="tokenuser2")
    client = Client()
    client.force_login(session_user)
    # when
    answer = api.post(ME, token=api.token_for(token_user), client=client)
    # then
    assert answer.data == {"me": {"username": "tokenuser2"}}


@pytest.mark.parametrize("header", ["Bearer wrong-token", "Basic abc", "Bearer", "Token x"])
def test_an_invalid_authorization_header_is_401_unauthenticated_even_with_a_session(api: Api, header: str) -> None:
    # given
    person = resident(CommunityFactory())
    client = Client()
    client.force_login(person)
    # when
    answer = api.post(ME, client=client, headers={"Authorization": header})
    # then
    assert answer.status == 401
    assert answer.codes == ["UNAUTHENTICATED"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_request_without_csrf_is_refused_and_with_csrf_accepted() -> None:
    # given
    person = resident(CommunityFactory(), username="webuser")
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    body = json.dumps({"query": ME})
    # when
    refused = client.post("/graphql/", data=body, content_type="application/json")
    client.get("/")  # a page sets the CSRF cookie
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    if token is None:
        from django.middleware.csrf import _get_new_csrf_string

        token = _get_new_csrf_string()
        client.cookies["csrftoken"] = token
    accepted = client.post("/graphql/", data=body, content_type="application/json",
                           headers={"X-CSRFToken": token})
    # then
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert accepted.status_code == 200
    assert accepted.json()["data"] == {"me": {"username": "webuser"}}


def test_anonymous_requests_without_cookies_need_no_csrf() -> None:
    # when
    response = Client(enforce_csrf_checks=True).post("/graphql/", data=json.dumps({"query": ME}),
                                                     content_type="application/json")
    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}


def test_a_read_only_token_cannot_mutate(api: Api) -> None:
    # given
    import hashlib

    from oauth2_provider.models import AccessToken

    admin = unit_admin(WorkUnitFactory())
    token = api.token_for(admin)
    checksum = hashlib.sha256(token.encode()).hexdigest()  # only the checksum is stored
    assert AccessToken.objects.filter(token_checksum=checksum).update(scope="read") == 1
    # when
    answer = api.post('mutation { updateResident(input: {residentId: "x"}) { errors { code } } }', token=token)
    # then
    assert answer.data["updateResident"]["errors"] == [{"code": "PERMISSION_DENIED"}]


def test_messages_follow_accept_language(api: Api) -> None:
    # when
    answer = api.post('mutation { updateResident(input: {residentId: "x"}) { errors { code message } } }',
                      headers={"Accept-Language": "en"})
    # then
    assert answer.data["updateResident"]["errors"] == [{"code": "UNAUTHENTICATED", "message": "Sign in to do this."}]
