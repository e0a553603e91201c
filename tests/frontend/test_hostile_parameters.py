"""Issue 11 items 5 and 14: no HTTP 500 from the address or a form, and pages a role may not use answer
404 in the app's own page.

A crawler signs in as every role and opens every page of every role with hostile query parameters (the
names the pages read, with values hypothesis draws: garbage, days at the calendar's ends, reversed and
over-long ranges, Unicode digits, huge numbers, NUL bytes), and posts the forms with such values too."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Things, World, populate
from .test_browser_smoke import pages

pytestmark = pytest.mark.django_db

NAMES = ["after", "date", "from", "to", "start", "week", "resource", "search", "status", "action", "b", "run",
         "format", "download", "when", "category", "near_home", "horizonDays", "subdistrict", "resident"]
NASTY = ["garbage", "9999-12-31", "0001-01-01", "9999-12-31T00:00:00", "0001-01-01T00:00:00+08:00", "²",
         "99999999999999999999", "-1", "0", "", "\x00", "Booking:²", "cursor:99999999999999999999",
         "2026-02-30", "2026-12-01T25:00", "%", "' OR 1=1 --", "<script>", "\u202e", "a" * 3000,
         "VXNlcjox", "UmVzb3VyY2U6MQ", "2020-01-01", "2026-12-01"]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                   st.integers(min_value=-10**25, max_value=10**25).map(str))
PARAMS = st.dictionaries(st.sampled_from(NAMES), VALUES, min_size=1, max_size=4)
ROLES = {"resident": "resident", "gate": "gate", "unit-admin": "admin", "worker": "worker", "staff": "staff"}


@pytest.fixture
def crawl_world(world: World, settings,  # type: ignore[no-untyped-def]
                django_capture_on_commit_callbacks) -> tuple[World, Things]:
    settings.MATCHING_TIME_LIMIT_S = 5.0
    settings.MATCHING_DETERMINISTIC_TIME = 2.0
    with django_capture_on_commit_callbacks(execute=True):
        things = populate(world)
    return world, things


def _clients(world: World) -> dict[str, Client]:
    clients = {"": Client(raise_request_exception=False)}
    for who, attr in ROLES.items():
        client = Client(raise_request_exception=False)
        client.force_login(getattr(world, attr))
        clients[who] = client
    return clients


def _every_url(things: Things) -> list[str]:
    urls: list[str] = []
    for paths in pages(things).values():
        for path in paths:
            base = path.split("?")[0]
            if base not in urls:
                urls.append(base)
    return [*urls, "/district/export/subdistricts.csv", "/district/export/categories.csv",
            "/district/export/allocations.csv", "/unit/contribution/", "/district/runs/"]


def test_no_page_answers_500_to_hostile_parameters(crawl_world):
    world, things = crawl_world
    clients = _clients(world)
    urls = _every_url(things)
    failures: list[str] = []

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(params=PARAMS)
    def crawl(params: dict[str, str]) -> None:
        for who, client in clients.items():
            for url in urls:
                response = client.get(url, params)
                if response.status_code >= 500:
                    failures.append(f"{who or 'anonymous'} GET {url} {params!r}: {response.status_code}")
        assert not failures, failures[:5]

    crawl()


def test_the_known_500s_of_the_issue_answer_with_the_page_or_a_400(crawl_world):
    world, things = crawl_world
    clients = _clients(world)
    cases = [("staff", "/district/?from=2020-01-01&to=2026-12-01"),
             ("staff", "/district/?from=2026-12-01&to=2026-01-01"),
             ("gate", "/unit/?date=9999-12-31"), ("gate", "/unit/?date=0001-01-01"),
             ("resident", f"/resources/{things.canteen}/book/?start=9999-12-31T00:00:00"),
             ("resident", f"/resources/{things.canteen}/?week=9999-12-31"),
             ("resident", f"/resources/{things.canteen}/?week=0001-01-01"),
             ("staff", "/district/audit/?after=garbage"), ("resident", "/notifications/?after=garbage"),
             ("unit-admin", "/unit/approvals/?after=garbage"), ("worker", "/community/residents/?after=garbage"),
             ("unit-admin", "/unit/contribution/?from=0001-01-01&to=9999-12-31")]
    for who, url in cases:
        response = clients[who].get(url)
        assert response.status_code in (200, 400, 404), f"{who} {url}: {response.status_code}"
        assert b"Traceback" not in response.content and b"URLconf" not in response.content
    for horizon in ("²", "99999999999999999999", "-5", "0", "garbage"):
        response = clients["staff"].post("/district/runs/", {"horizonDays": horizon})
        assert response.status_code in (200, 302, 400), horizon


def test_pages_a_role_may_not_use_are_404_in_the_apps_own_page(crawl_world):
    world, _things = crawl_world
    clients = _clients(world)
    for who, url in [("resident", "/district/"), ("gate", "/community/residents/"), ("worker", "/unit/"),
                     ("resident", "/unit/resources/")]:
        response = clients[who].get(url)
        assert response.status_code == 404
        assert "frontend/problem.html" in [t.name for t in response.templates]
        assert b"URLconf" not in response.content


def test_another_units_kitchen_sheet_and_utilisation_are_404(crawl_world):
    world, things = crawl_world
    other = Client(raise_request_exception=False)
    other.force_login(world.other_admin)
    for url in (f"/unit/kitchen/{things.canteen}/", f"/unit/resources/{things.canteen}/utilisation/"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "frontend/problem.html" in [t.name for t in response.templates]
