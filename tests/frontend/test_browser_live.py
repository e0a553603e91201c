"""The web app's live updates in a real Chromium (issue 15, "the web app shows places left changing live").

pytest-django's live server speaks WSGI only, so here one uvicorn serves config.asgi in a thread of the
test process: the pages and POST /graphql/stream together, with LIVE_STREAM_URL set (the test settings
leave it empty) and the memory broker, so a booking committed by a request of the same server reaches
the page's stream. Bookings are made by other sessions, through /graphql/ with a bearer token.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from graphql_relay import to_global_id

from marketplace.models import User
from marketplace.services.tokens import issue_token
from tests.factories import resident

from .browser import Session
from .conftest import PASSWORD, World, build_world, phone_session
from .helpers import gid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) { booking { id status } errors { code } } }"""


class AsgiServer:
    """config.asgi under uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        import uvicorn

        from config.asgi import application

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, name="asgi-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> AsgiServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:  # uvicorn sets it once it listens
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)


@pytest.fixture
def asgi(transactional_db: None, settings: Any) -> Iterator[AsgiServer]:
    settings.LIVE_STREAM_URL = "/graphql/stream"
    settings.LIVE_BROKER_URL = "memory://"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    with AsgiServer() as server:
        yield server


@pytest.fixture
def world(asgi: AsgiServer) -> World:
    return build_world()


@pytest.fixture
def live_phone(browser: Any, asgi: AsgiServer) -> Iterator[Session]:
    """A phone-sized page in zh-hans on the ASGI server, with the real stream (not the harness's stub)."""
    yield from phone_session(browser, asgi.url, real_stream=True)


def _book(server: AsgiServer, user: User, resource_gid: str, start: str) -> dict[str, Any]:
    """A booking made by another session: `user`'s bearer token, POST /graphql/."""
    token = issue_token(user=user)
    answer = httpx.post(f"{server.url}/graphql/", timeout=20, headers={"Authorization": f"Bearer {token}"},
                        json={"query": BOOK, "variables": {"input": {"resourceId": resource_gid, "start": start}}})
    payload = answer.json()["data"]["bookSlot"]
    assert payload["errors"] == [], payload
    return payload  # type: ignore[no-any-return]


def _open_with_streams(s: Session, path: str, *fields: str) -> None:
    """Opens the page and returns once its streams of these subscription `fields` are subscribed (a
    stream's response headers follow its subscription, core/live/transport.py); then marks the document,
    to tell a reload from a live change."""

    def subscribed(response: Any) -> list[str]:
        if not response.url.endswith("/graphql/stream") or response.status != 200:
            return []
        return [f for f in fields if f in (response.request.post_data or "")]

    seen: set[str] = set()
    s.page.on("response", lambda r: seen.update(subscribed(r)))
    s.go(path)
    while not seen.issuperset(fields):  # Playwright delivers events only inside its calls: none is missed
        s.page.wait_for_event("response", predicate=lambda r: bool(subscribed(r)))
    s.page.evaluate("window.__sameDocument = true")


def test_places_left_change_on_the_page_when_someone_else_books(
        browser: Any, asgi: AsgiServer, world: World, live_phone: Session) -> None:
    from playwright.sync_api import expect

    # given a resident on a phone in Chinese, on the canteen's page with its week of sittings
    s = live_phone
    s.sign_in("resident", PASSWORD)
    _open_with_streams(s, f"/resources/{gid('Resource', world.canteen.pk)}/", "slotsChanged")
    assert s.page.locator("html").get_attribute("lang") == "zh-hans"
    first = s.page.locator("a.slot.free").first
    href = first.get_attribute("href")
    assert href is not None
    start = parse_qs(urlparse(href).query)["start"][0]
    slot = s.page.locator(f'a.slot[href="{href}"]')
    assert "剩余40" in slot.inner_text()
    # when a neighbour books that sitting through the API, from another session
    _book(asgi, world.neighbour, to_global_id("Resource", world.canteen.pk), start)
    # then the page shows one place fewer, without a reload
    expect(slot).to_contain_text("剩余39", timeout=10_000)
    assert s.page.evaluate("window.__sameDocument") is True
    # and again for the next booking (the stream stays open)
    _book(asgi, resident(world.community, username="third"), to_global_id("Resource", world.canteen.pk), start)
    expect(slot).to_contain_text("剩余38", timeout=10_000)
    assert s.page.evaluate("window.__sameDocument") is True
    s.screenshot("resident-phone-places-left-live-zh")


def test_my_booking_and_the_message_badge_appear_live_when_i_book_elsewhere(
        browser: Any, asgi: AsgiServer, world: World, live_phone: Session) -> None:
    from playwright.sync_api import expect

    # given the resident's canteen page open on her phone, no new messages
    s = live_phone
    s.sign_in("resident", PASSWORD)
    _open_with_streams(s, f"/resources/{gid('Resource', world.canteen.pk)}/", "slotsChanged", "notificationAdded")
    badge = s.page.locator("[data-live-notifications]")
    assert badge.get_attribute("hidden") is not None
    href = s.page.locator("a.slot.free").first.get_attribute("href")
    assert href is not None
    start = parse_qs(urlparse(href).query)["start"][0]
    # when she books that sitting from another device (her own token, through the API)
    _book(asgi, world.resident, to_global_id("Resource", world.canteen.pk), start)
    # then the message badge counts the confirmation and the sitting shows as hers, without a reload
    expect(badge).to_have_text("1", timeout=10_000)
    assert badge.get_attribute("hidden") is None
    expect(s.page.locator("a.slot.mine")).to_contain_text("您已预约此时段", timeout=10_000)
    assert s.page.evaluate("window.__sameDocument") is True


def test_the_match_run_page_follows_progress_from_the_stream(
        browser: Any, asgi: AsgiServer, world: World, live_phone: Session) -> None:
    from django.db import transaction
    from django.utils import timezone
    from playwright.sync_api import expect

    from matching.models import MatchRun
    from matching.services.runs import fail_run, run_changed

    # given a run that a worker is solving, 30 % done, and district staff on its page
    now = timezone.now()
    run = MatchRun.objects.create(status="RUNNING", created_at=now, horizon_start=now.date(), heartbeat_at=now,
                                  progress=0.3)
    s = live_phone
    s.sign_in("staff", PASSWORD)
    _open_with_streams(s, f"/district/runs/{gid('MatchRun', run.pk)}/", "matchRunProgress")
    status = s.page.locator("#run [role=status]")
    expect(status).to_contain_text("30%")
    # when the worker reports progress (as a worker process does: update, then an event after commit)
    with transaction.atomic():
        MatchRun.objects.filter(pk=run.pk).update(progress=0.6, heartbeat_at=timezone.now())
        run_changed(run.pk)
    # then the page shows it without a reload
    expect(status).to_contain_text("60%", timeout=10_000)
    # and when the run fails, the page shows the end and the error
    fail_run(run.pk, "求解器超时")
    expect(s.page.locator("#run .error")).to_have_text("求解器超时", timeout=10_000)
    assert s.page.evaluate("window.__sameDocument") is True
