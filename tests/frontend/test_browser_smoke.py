"""A smoke pass of every page in a real Chromium at desktop size and in English: each page answers,
logs no console error, has no serious axe-core violation, and leaves a screenshot in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser import DESKTOP, Session, open_browser
from .conftest import PASSWORD, Things, World, build_world, populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages(t: Things) -> dict[str, list[str]]:
    return {
        "": ["/", "/login/", "/resources/"],
        "resident": ["/", "/resources/?when=week&near_home=on", f"/resources/{t.canteen}/",
                     f"/resources/{t.canteen}/book/?start=", f"/resources/{t.parking}/", "/bookings/",
                     f"/bookings/{t.booking}/", f"/bookings/{t.booking}/cancel/", "/notifications/", "/needs/",
                     "/me/data/", "/me/data/delete/"],
        "gate": ["/unit/", "/unit/check-in/", f"/unit/kitchen/{t.canteen}/"],
        "unit-admin": ["/unit/resources/", "/unit/resources/new/", f"/unit/resources/{t.canteen}/edit/",
                       f"/unit/resources/{t.canteen}/close/", f"/unit/resources/{t.canteen}/utilisation/",
                       "/unit/approvals/", "/unit/proposals/", "/unit/contribution/"],
        "worker": ["/community/residents/", f"/community/residents/{t.resident}/", "/community/book/",
                   f"/community/book/?resource={t.canteen}&start=", f"/community/slips/?b={t.booking}",
                   "/community/needs/", "/community/needs/new/", f"/community/needs/{t.need}/",
                   "/community/allocations/"],
        "staff": ["/district/", "/district/runs/", f"/district/runs/{t.run}/", "/district/audit/"],
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as b:
        yield b


@pytest.fixture
def smoke_world(live_server, settings) -> tuple[World, Things]:  # type: ignore[no-untyped-def]
    settings.MATCHING_TIME_LIMIT_S = 5.0
    settings.MATCHING_DETERMINISTIC_TIME = 2.0
    world = build_world()
    return world, populate(world)


def test_every_page_at_desktop_size_in_english(browser, live_server, smoke_world):
    world, things = smoke_world
    start = world.tomorrow_at(11).isoformat()
    problems: dict[str, list[str]] = {}
    for who, paths in pages(things).items():
        # given a browser that prefers English, signed in as the role (or anonymous)
        s = Session(browser, live_server.url, viewport=DESKTOP, locale="en-GB")
        try:
            if who:
                s.sign_in(who, PASSWORD)
            for number, path in enumerate(paths):
                path = path.replace("start=", "start=" + start.replace("+", "%2B"))
                # when the page is opened
                s.go(path)
                assert s.page.locator("html").get_attribute("lang") == "en"
                # then it has no serious accessibility violation and logged no error
                found = s.axe_violations() + s.errors
                if found:
                    problems[f"{who or 'anonymous'} {path}"] = found
                s.errors.clear()
                name = (who or "anonymous") + path.split("?")[0].replace("/", "_").rstrip("_")
                s.screenshot(f"desktop-en-{number:02d}-{name}")
        finally:
            s.close()
    assert problems == {}
