"""Every page answers for the roles that reach it, through the real API (Django test client)."""

from __future__ import annotations

import pytest
from django.test import Client
from graphql_relay import to_global_id

from frontend.operations import slug

from .conftest import World

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_home_is_chinese_by_default_for_anonymous_visitors(world: World):
    # given an anonymous visitor whose browser names no language
    # when they open the home page
    response = Client().get("/")
    # then it is served in simplified Chinese
    assert response.status_code == 200
    assert b'<html lang="zh-hans">' in response.content


@pytest.mark.parametrize("path", ["/", "/resources/", "/login/"])
def test_public_pages_answer(world: World, path: str):
    assert Client().get(path).status_code == 200


def test_resident_pages_render(world: World):
    # given a signed-in resident
    client = client_for(world.resident)
    rid = slug(to_global_id("Resource", world.canteen.pk))
    # when they visit their pages
    for path in ["/", "/resources/?when=week&near_home=on", f"/resources/{rid}/", "/bookings/",
                 "/notifications/", "/needs/", "/me/data/"]:
        response = client.get(path)
        # then each renders
        assert response.status_code == 200, path
