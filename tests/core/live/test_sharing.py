"""One re-read per event for the streams whose answer is provably the same (core/live/sharing.py,
core/graphql/sharing.py), in process: the ASGI stream endpoint driven directly, the memory broker, the
re-reads counted at booking.graphql.subscriptions.view_of (each is one re-read of the slot)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from graphql import parse
from graphql_relay import to_global_id

from booking.graphql import subscriptions
from booking.models import Slot
from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from booking.services.hours import WindowSpec
from booking.services.quota import add_quota
from booking.services.slots import view_of
from core.clock import at, local_date
from core.graphql.execution import get_schema
from core.graphql.sharing import shared_of
from core.live.sharing import SharedAnswers
from core.live.transport import stream_app
from marketplace.models import Community, Resource, User
from marketplace.services.tokens import issue_token
from tests.factories import CommunityFactory, ResourceFactory, WorkUnitFactory, elderly_resident, resident

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
SLOTS = """subscription($r: ID!, $from: DateTime!, $to: DateTime!) {
  slotsChanged(resourceId: $r, from: $from, to: $to) { id booked remaining quotaRemaining state } }"""
WITH_MY_BOOKING = """subscription($r: ID!, $from: DateTime!, $to: DateTime!) {
  slotsChanged(resourceId: $r, from: $from, to: $to) { id booked remaining myBooking { id } } }"""
WAIT = 15  # seconds: a bound on a hang, not a pause


@dataclass
class World:
    resource: Resource
    start: dt.datetime
    quota_a: User
    residents_a: list[str]  # tokens
    residents_b: list[str]
    booker: User

    def variables(self) -> dict[str, Any]:
        return {"r": to_global_id("Resource", self.resource.pk), "from": self.start.isoformat(),
                "to": (self.start + dt.timedelta(hours=1)).isoformat()}


def _world(target_group: str = "ANYONE") -> World:
    # a canteen of 10 places a sitting, 3 of them held for community A three days from now
    now = timezone.now()
    resource = ResourceFactory(unit=WorkUnitFactory(), capacity=10, max_active_per_resident=50,
                               target_group=target_group)
    set_opening_hours(actor=None, resource=resource, now=now, windows=[
        WindowSpec(weekdays=ALL_DAYS, start_time=dt.time(8), end_time=dt.time(9), capacity=10)])
    day = local_date(now) + dt.timedelta(days=3)
    community_a, community_b = CommunityFactory(), CommunityFactory()
    add_quota(community=community_a, resource=resource, start_time=dt.time(8), end_time=dt.time(9),
              ends_next_day=False, weekdays=list(ALL_DAYS), starts_on=day, ends_on=day, amount=3, actor=None, now=now)
    a = [resident(community_a, username=f"a{i}") for i in range(4)]
    b = [resident(community_b, username=f"b{i}") for i in range(3)]
    booker = elderly_resident(CommunityFactory(), username="booker")
    start = at(day, dt.time(8))
    assert Slot.objects.get(resource=resource, start=start).held == 3
    return World(resource, start, a[0], [issue_token(user=u) for u in a], [issue_token(user=u) for u in b], booker)


@pytest.fixture
def world(transactional_db: None) -> World:
    return _world()


@pytest.fixture(autouse=True)
def _live_threads_close_their_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """The live pool's threads close their connection after each re-read (CONN_MAX_AGE 0; the settings
    dict is shared by every thread's connection), so none outlives the test and holds the test database."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture
def re_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The slots re-read for subscribers, one entry per re-read."""
    calls: list[int] = []
    lock = threading.Lock()

    def counted(row: Slot) -> Any:
        with lock:
            calls.append(row.pk)
        return view_of(row)

    monkeypatch.setattr(subscriptions, "view_of", counted)
    yield calls


class Stream:
    """One POST /graphql/stream, served by the ASGI app in this event loop."""

    def __init__(self, query: str, variables: dict[str, Any], token: str | None) -> None:
        self.body = json.dumps({"query": query, "variables": variables}).encode()
        headers = [(b"content-type", b"application/json"), (b"accept-language", b"zh-hans")]
        if token is not None:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        self.scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                      "scheme": "http", "path": "/graphql/stream", "raw_path": b"/graphql/stream",
                      "root_path": "", "query_string": b"", "headers": headers,
                      "server": ("testserver", 80), "client": ("127.0.0.1", 40000)}
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.buffer = b""
        self.sent_body = False
        self.closed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def _receive(self) -> dict[str, Any]:
        if not self.sent_body:
            self.sent_body = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.closed.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
        elif message.get("body"):
            await self.chunks.put(message["body"])

    async def open(self) -> None:
        """Returns once the subscription is in place (the first comment line has arrived)."""
        self.task = asyncio.create_task(stream_app(self.scope, self._receive, self._send))
        first = await asyncio.wait_for(self.chunks.get(), WAIT)
        assert first == b":\n\n", first

    async def next_result(self) -> dict[str, Any]:
        while b"\n\n" not in self.buffer:
            self.buffer += await asyncio.wait_for(self.chunks.get(), WAIT)
        block, self.buffer = self.buffer.split(b"\n\n", 1)
        if block.startswith(b":"):
            return await self.next_result()
        lines = dict(line.split(b": ", 1) for line in block.split(b"\n"))
        assert lines[b"event"] == b"next", block
        return json.loads(lines[b"data"])  # type: ignore[no-any-return]

    async def close(self) -> None:
        self.closed.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, WAIT)


def _book(world: World) -> None:
    """Another request's booking, in a thread of its own (its connection closed after it)."""
    try:
        book_slot(actor=world.booker, request=BookingRequest(resource=world.resource, start=world.start))
    finally:
        connection.close()


def _remaining_seen(world: World, query: str, tokens: list[str | None]) -> list[dict[str, Any]]:
    """Opens one stream per token, books one place as `world.booker`, returns each stream's answer."""

    async def scenario() -> list[dict[str, Any]]:
        streams = [Stream(query, world.variables(), token) for token in tokens]
        for stream in streams:
            await stream.open()
        try:
            await asyncio.to_thread(_book, world)
            return [(await stream.next_result()) for stream in streams]
        finally:
            for stream in streams:
                await stream.close()

    return asyncio.run(scenario())


def test_equivalent_subscribers_get_one_re_read_per_event(world: World, re_reads: list[int]) -> None:
    # given four residents of community A subscribed with the same document and variables
    # when one place is booked
    answers = _remaining_seen(world, SLOTS, list(world.residents_a))
    # then all four see the change, and the slot was re-read once for them
    assert [a["data"]["slotsChanged"]["booked"] for a in answers] == [1, 1, 1, 1]
    assert len(re_reads) == 1


def test_viewers_of_different_communities_get_their_own_remaining_from_one_event(
        world: World, re_reads: list[int]) -> None:
    # given residents of A (3 held for A) and of B (no quota) and an anonymous viewer, interleaved
    tokens: list[str | None] = [world.residents_a[0], world.residents_b[0], None, world.residents_a[1],
                                world.residents_b[1], None]
    # when one place is booked (by a resident of a third community: 10 - 1 booked - 3 held = 6 open)
    answers = _remaining_seen(world, SLOTS, tokens)
    # then A's residents count their quota, B's and the anonymous viewer see the open places: one re-read
    # per class (B and anonymous agree here, but need not: an anonymous viewer is never offered a quota)
    seen = [(a["data"]["slotsChanged"]["remaining"], a["data"]["slotsChanged"]["quotaRemaining"]) for a in answers]
    assert seen == [(9, 3), (6, 0), (6, 0), (9, 3), (6, 0), (6, 0)]
    assert len(re_reads) == 3


def test_residents_of_one_community_in_different_eligible_groups_get_their_own_remaining(
        transactional_db: None, re_reads: list[int]) -> None:
    # given a canteen for the elderly with 3 held for community A, an elderly and a younger resident of A
    world = _world(target_group="ELDERLY")
    elder = elderly_resident(Community.objects.get(pk=world.quota_a.home_community_id), username="elder")
    tokens: list[str | None] = [issue_token(user=elder), world.residents_a[0]]
    # when one place is booked
    answers = _remaining_seen(world, SLOTS, tokens)
    # then only the elderly resident may use A's quota: one re-read for each
    assert [a["data"]["slotsChanged"]["remaining"] for a in answers] == [9, 6]
    assert len(re_reads) == 2


def test_a_selection_of_per_viewer_fields_is_re_read_for_each_stream(world: World, re_reads: list[int]) -> None:
    # given three residents of A subscribed to their own booking of the slot too
    answers = _remaining_seen(world, WITH_MY_BOOKING, list(world.residents_a[:3]))
    # then each stream got its own re-read
    assert [a["data"]["slotsChanged"]["myBooking"] for a in answers] == [None, None, None]
    assert len(re_reads) == 3


def test_streams_share_answers_only_when_enabled(world: World, re_reads: list[int],
                                                  settings: Any) -> None:
    settings.LIVE_SHARE_ANSWERS = False
    _remaining_seen(world, SLOTS, list(world.residents_a[:3]))
    assert len(re_reads) == 3


@pytest.mark.parametrize(("document", "shared"), [
    ("subscription($r: ID!, $f: DateTime!, $t: DateTime!) { slotsChanged(resourceId: $r, from: $f, to: $t) "
     "{ id remaining closed __typename } }", True),
    ("subscription($r: ID!, $f: DateTime!, $t: DateTime!) { slotsChanged(resourceId: $r, from: $f, to: $t) "
     "{ ...S } } fragment S on Slot { booked ... on Slot { state } }", True),
    ("subscription($r: ID!, $f: DateTime!, $t: DateTime!) { slotsChanged(resourceId: $r, from: $f, to: $t) "
     "{ ...S } } fragment S on Slot { booked ... on Slot { myBooking { id } } }", False),
    ("subscription($r: ID!, $f: DateTime!, $t: DateTime!) { slotsChanged(resourceId: $r, from: $f, to: $t) "
     "{ remaining resource { name } } }", False),
    ("subscription { notificationAdded { id } }", False),
])
def test_only_selections_of_declared_fields_are_shared(document: str, shared: bool) -> None:
    parsed = parse(document)
    operation = parsed.definitions[0]
    assert (shared_of(get_schema(), parsed, operation) is not None) is shared  # type: ignore[arg-type]


def test_an_answer_started_before_an_event_is_not_reused_for_it() -> None:
    async def scenario() -> tuple[list[bytes], int]:
        seq = [1]
        answers = SharedAnswers(lambda: seq[0])
        computed = iter([b"first", b"second"])

        async def compute() -> bytes:
            return next(computed)

        out = [await answers.answer("k", 1, compute), await answers.answer("k", 1, compute)]
        seq[0] = 2  # the hub read a later event
        out += [await answers.answer("k", 2, compute), await answers.answer("k", 1, compute)]
        return out, answers.computed

    out, computed = asyncio.run(scenario())
    assert out == [b"first", b"first", b"second", b"second"]
    assert computed == 2
