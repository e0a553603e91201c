"""Helpers for the API tests: every request goes through HTTP to the real `/graphql/` view."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from marketplace.models import User
from marketplace.services.tokens import issue_token


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: Any

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


class Api:
    """Posts operations as a given viewer: anonymous, a session user, or a bearer token."""

    def __init__(self) -> None:
        self.client = Client()

    def post(self, query: str, variables: dict[str, Any] | None = None, *, as_user: User | None = None,
             token: str | None = None, headers: dict[str, str] | None = None, client: Client | None = None,
             **extra: Any) -> Answer:
        client = client or Client()
        if as_user is not None:
            client.force_login(as_user)
        extra_headers = dict(headers or {})
        if token is not None:
            extra_headers["Authorization"] = f"Bearer {token}"
        body = {"query": query, "variables": variables or {}}
        response = client.post("/graphql/", data=json.dumps(body), content_type="application/json",
                               headers=extra_headers, **extra)
        return Answer(response.status_code, json.loads(response.content or b"{}"), response.headers)

    def client_for(self, user: User) -> Client:
        """A client with a session for `user` (signed in before any query is counted)."""
        client = Client()
        client.force_login(user)
        client.get("/healthz")
        return client

    def token_for(self, user: User) -> str:
        return issue_token(user=user)


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


from .world import frozen_clock, world  # noqa: E402, F401 - fixtures for every API test
