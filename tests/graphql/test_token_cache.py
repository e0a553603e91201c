"""The verified-token cache (core/graphql/auth.py): a hit reads nothing, expiry is honoured at once,
a revocation elsewhere within BEARER_TOKEN_CACHE_SECONDS, deleteMyData at once in this process."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from core.enums import Role
from core.graphql import auth
from marketplace.models import Membership
from tests.factories import CommunityFactory, resident

from .conftest import Api

pytestmark = pytest.mark.django_db
ME = "{ me { username } }"


def _row(token: str) -> Any:
    """The stored row of a token: only its SHA-256 checksum is at rest (issue_token hashes it)."""
    return AccessToken.objects.filter(token_checksum=hashlib.sha256(token.encode()).hexdigest())


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    auth._tokens.clear()
    yield
    auth._tokens.clear()


def _statements(api: Api, token: str) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        answer = api.post("{ __typename }", token=token)
    return answer, [q["sql"] for q in queries.captured_queries]


def test_a_cached_token_is_not_read_again(api: Api) -> None:
    # given
    token = api.token_for(resident(CommunityFactory(), username="cached"))
    first, first_sql = _statements(api, token)
    # when
    second, second_sql = _statements(api, token)
    # then
    assert first.status == second.status == 200
    # one read of the token (no oauthlib) and one of the user's memberships, kept with it
    assert len(first_sql) == 2 and "oauth2_provider_accesstoken" in first_sql[0]
    assert "marketplace_membership" in first_sql[1]
    assert second_sql == []


def test_each_request_gets_its_own_user_object(api: Api) -> None:
    # given
    token = api.token_for(resident(CommunityFactory(), username="own"))
    api.post(ME, token=token)
    entry = next(iter(auth._tokens.entries.values()))
    # when
    answer = api.post(ME, token=token)
    # then
    assert answer.data == {"me": {"username": "own"}}
    assert "_membership_cache" not in entry.user.__dict__  # the cached copy never collects request state
    assert entry.roles is not None and [m.role for m in entry.roles] == ["RESIDENT"]


def test_a_hit_reads_no_memberships_and_a_role_change_here_is_seen_at_once(api: Api) -> None:
    # given a resident whose token is cached with their memberships
    person = resident(CommunityFactory(), username="roles")
    token = api.token_for(person)
    assert api.post("{ me { roles } }", token=token).data == {"me": {"roles": ["RESIDENT"]}}
    with CaptureQueriesContext(connection) as queries:
        again = api.post("{ me { roles } }", token=token)
    assert again.data == {"me": {"roles": ["RESIDENT"]}}
    assert not any("marketplace_membership" in q["sql"] for q in queries.captured_queries)
    # when a role is added in this process (a membership saved)
    Membership.objects.create(user=person, role=Role.DISTRICT_STAFF)
    # then the next request sees it (the cache forgot the user's tokens)
    assert api.post("{ me { roles } }", token=token).data["me"]["roles"] == ["RESIDENT", "DISTRICT_STAFF"]


def test_an_expired_token_is_refused_at_once_even_when_cached(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    token = api.token_for(resident(CommunityFactory()))
    assert api.post(ME, token=token).status == 200
    expires = _row(token).get().expires
    # when the clock passes the token's expiry
    monkeypatch.setattr(auth.timezone, "now", lambda: expires + dt.timedelta(seconds=1))
    answer = api.post(ME, token=token)
    # then
    assert answer.status == 401
    assert answer.codes == ["UNAUTHENTICATED"]


def test_a_revoked_token_is_refused_once_the_cache_seconds_pass(api: Api, settings: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # given a token used once, then revoked elsewhere (another process, the revocation endpoint)
    settings.BEARER_TOKEN_CACHE_SECONDS = 5
    token = api.token_for(resident(CommunityFactory()))
    assert api.post(ME, token=token).status == 200
    _row(token).delete()
    real = auth.time.monotonic()
    # when the cache's seconds have passed
    monkeypatch.setattr(auth.time, "monotonic", lambda: real + 5.01)
    answer = api.post(ME, token=token)
    # then
    assert answer.status == 401


def test_no_cache_seconds_verify_every_request(api: Api, settings: Any) -> None:
    # given
    settings.BEARER_TOKEN_CACHE_SECONDS = 0
    token = api.token_for(resident(CommunityFactory()))
    assert api.post(ME, token=token).status == 200
    # when
    _row(token).delete()
    # then
    assert api.post(ME, token=token).status == 401


def test_delete_my_data_drops_the_cached_token_at_once(api: Api) -> None:
    # given
    token = api.token_for(resident(CommunityFactory()))
    assert api.post(ME, token=token).status == 200
    # when
    deleted = api.post("mutation { deleteMyData(input: {confirm: true}) { deleted errors { code } } }", token=token)
    # then
    assert deleted.data["deleteMyData"] == {"deleted": True, "errors": []}
    assert api.post(ME, token=token).status == 401


def test_the_expiry_is_the_tokens_own(api: Api) -> None:
    # given a token that expires in an hour
    token = api.token_for(resident(CommunityFactory()))
    _row(token).update(expires=timezone.now() + dt.timedelta(hours=1))
    # when
    api.post(ME, token=token)
    # then
    (entry,) = auth._tokens.entries.values()
    assert abs((entry.expires - timezone.now()) - dt.timedelta(hours=1)) < dt.timedelta(minutes=1)


def test_a_token_for_another_resource_is_refused_by_oauthlibs_audience_check(api: Api) -> None:
    # given a token restricted (RFC 8707) to another resource server: the plain check leaves it to oauthlib
    token = api.token_for(resident(CommunityFactory()))
    _row(token).update(resource=["https://elsewhere.example/api"])
    # when
    answer = api.post(ME, token=token)
    # then
    assert answer.status == 401
    assert auth._tokens.entries == {}


def test_an_unknown_token_is_refused_and_not_cached(api: Api) -> None:
    # when
    answer = api.post(ME, token="not-a-token")
    # then
    assert answer.status == 401
    assert auth._tokens.entries == {}
