"""Small helpers of the web app's view tests."""

from __future__ import annotations

from django.test import Client
from graphql_relay import to_global_id

from frontend.operations import slug


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def gid(kind: str, pk: int) -> str:
    """The URL slug of a Relay global ID, as the pages put it in their addresses."""
    return slug(to_global_id(kind, pk))
