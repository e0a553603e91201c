"""Error model: masked bugs, 503 + Retry-After + UNAVAILABLE when the database is down, per-user
mutation rate limits (RATE_LIMITED with `until`, counted per alias)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError

from marketplace.graphql import permissions
from tests.factories import CommunityFactory, resident

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_a_bug_is_masked_as_internal_server_error(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a resolver that fails with internals in its message
    def broken(viewer: object) -> object:
        raise RuntimeError("SELECT password FROM marketplace_user")

    monkeypatch.setattr(permissions, "subdistricts", broken)
    # when
    answer = api.post("{ subdistricts { name } }")
    # then
    assert answer.status == 200  # execution started; the non-null root field nulls the data
    assert answer.errors[0]["message"] == "Internal server error"
    assert answer.codes == ["INTERNAL"]  # the contract: a bug is INTERNAL, UNAVAILABLE means an outage
    assert "SELECT" not in str(answer.body) and "RuntimeError" not in str(answer.body)


@pytest.mark.parametrize("where", ["resolver", "auth"])
def test_database_down_is_503_with_retry_after_and_unavailable(api: Api, monkeypatch: pytest.MonkeyPatch,
                                                               where: str) -> None:
    # given
    def down(*args: object, **kwargs: object) -> object:
        raise OperationalError("could not connect to server")

    if where == "resolver":
        monkeypatch.setattr(permissions, "subdistricts", down)
        headers = {}
    else:
        import core.graphql.auth as auth

        monkeypatch.setattr(auth, "_token_user", down)
        headers = {"Authorization": "Bearer anything"}
    # when
    answer = api.post("{ subdistricts { name } }", headers=headers)
    # then
    assert answer.status == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.codes == ["UNAVAILABLE"]
    assert "connect" not in str(answer.body)


def test_mutations_are_rate_limited_per_user_counting_every_alias(api: Api, settings: object) -> None:
    # given a limit of 2 mutations a minute
    settings.GRAPHQL_MUTATION_RATE = {"limit": 2, "window": 60}  # type: ignore[attr-defined]
    person = resident(CommunityFactory())
    other = resident(CommunityFactory())
    query = """mutation {
      a: markNotificationsRead(input: {all: true}) { unreadCount errors { code until } }
      b: markNotificationsRead(input: {all: true}) { unreadCount errors { code until } }
      c: markNotificationsRead(input: {all: true}) { unreadCount errors { code until } }
    }"""
    # when
    answer = api.post(query, as_user=person)
    others = api.post("mutation { markNotificationsRead(input: {all: true}) { errors { code } } }", as_user=other)
    # then
    assert answer.data["a"]["errors"] == [] and answer.data["b"]["errors"] == []
    [limited] = answer.data["c"]["errors"]
    assert limited["code"] == "RATE_LIMITED"
    until = dt.datetime.fromisoformat(limited["until"])
    assert until.utcoffset() == dt.timedelta(hours=8)
    assert others.data["markNotificationsRead"]["errors"] == []


def test_anonymous_mutations_are_refused_in_the_payload(api: Api) -> None:
    # when
    answer = api.post('mutation { bookSlot(input: {resourceId: "x", start: "2026-01-01T12:00:00+08:00"}) '
                      '{ booking { id } bookings { id } errors { code field } } }')
    # then
    assert answer.status == 200
    assert answer.data["bookSlot"] == {"booking": None, "bookings": [], "errors": [{"code": "UNAUTHENTICATED",
                                                                                   "field": None}]}
