"""One reader of the broker per process (per event loop), fanning events out to listeners by topic.

A `Listener` is what a subscription's source stream iterates: it receives the events of its topics that
its `accept` test lets through. Events with the same `key` that wait for a slow stream are coalesced
(the subscriber re-reads the object anyway, so one re-read shows the latest state); more than
LIVE_MAX_PENDING distinct waiting events end the stream. When the broker fails, every listener ends
with BrokerUnavailable; the next listener opens the broker again.

The hub numbers the events it reads (`seq`) and holds the process's `SharedAnswers` (sharing.py): after
iterating a listener, `listener.event` is the (topic, payload) identity and `listener.seq` the number of
the event just returned, which is what decides whether an answer computed for another stream is fresh
enough for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from graphql import GraphQLError

from .brokers import Broker, BrokerUnavailable, Reader, broker_url, get_broker
from .sharing import SharedAnswers

logger = logging.getLogger("core.live")


class TooFarBehind(Exception):
    """A stream did not keep up with its events."""


class Listener:
    def __init__(self, hub: Hub, topics: Iterable[str], key: Callable[[str, dict[str, Any]], Hashable],
                 accept: Callable[[dict[str, Any]], bool] | None) -> None:
        self.hub = hub
        self.topics = frozenset(topics)
        self.key = key
        self.accept = accept
        self.pending: OrderedDict[Hashable, tuple[Hashable, int, dict[str, Any]]] = OrderedDict()
        self.event: Hashable = None  # the identity of the event last returned: (topic, canonical payload)
        self.seq = 0  # the hub's number of the event last returned
        self.ready = asyncio.Event()
        self.error: BaseException | None = None
        self.max_pending = int(getattr(settings, "LIVE_MAX_PENDING", 1000))

    def push(self, topic: str, payload: dict[str, Any], event: Hashable = None, seq: int = 0) -> None:
        if self.error is not None:
            return
        try:
            if self.accept is not None and not self.accept(payload):
                return
            key = self.key(topic, payload)
        except (KeyError, TypeError, ValueError):
            return  # a malformed event is not this stream's concern
        # a waiting event of the same key is replaced (keeps its place): the later one is the fresher
        self.pending[key] = (event, seq, payload)
        if len(self.pending) > self.max_pending:
            self.fail(TooFarBehind())
        self.ready.set()

    def fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        self.ready.set()

    def __aiter__(self) -> Listener:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while not self.pending:
            if self.error is not None:
                raise self.error
            self.ready.clear()
            await self.ready.wait()
        if self.error is not None:
            raise self.error
        _key, (self.event, self.seq, payload) = self.pending.popitem(last=False)
        return payload

    async def aclose(self) -> None:
        self.hub.detach(self)


class Hub:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.by_topic: dict[str, set[Listener]] = {}
        self.reader: Reader | None = None
        self.task: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()
        self.seq = 0  # events read so far; an event's number is the value after it was read
        self.shared = SharedAnswers(lambda: self.seq)

    async def attach(self, listener: Listener) -> None:
        """Registers the listener once the broker is subscribed (raises BrokerUnavailable)."""
        async with self.lock:
            if self.task is None or self.task.done():
                self.reader = await self.broker.open()
                self.task = asyncio.create_task(self._run(self.reader))
            for topic in listener.topics:
                self.by_topic.setdefault(topic, set()).add(listener)

    def detach(self, listener: Listener) -> None:
        for topic in listener.topics:
            listeners = self.by_topic.get(topic)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self.by_topic[topic]

    @property
    def listeners(self) -> int:
        return len({id(x) for group in self.by_topic.values() for x in group})

    async def _run(self, reader: Reader) -> None:
        error: BaseException = BrokerUnavailable("the broker's reader stopped")
        try:
            async for topic, payload in reader.read():
                self.seq += 1
                receivers = list(self.by_topic.get(topic, ()))
                if receivers:
                    event = _identity(topic, payload)
                    for listener in receivers:
                        listener.push(topic, payload, event, self.seq)
        except asyncio.CancelledError:
            error = BrokerUnavailable("the process is shutting down")
            raise
        except Exception as exc:  # noqa: BLE001 - whatever broke the reader, the streams end cleanly
            logger.warning("live updates: the broker's connection failed: %s", exc)
            error = exc if isinstance(exc, BrokerUnavailable) else BrokerUnavailable(str(exc))
        finally:
            for listeners in list(self.by_topic.values()):
                for listener in listeners:
                    listener.fail(error)
            self.by_topic.clear()
            await reader.close()


def _identity(topic: str, payload: dict[str, Any]) -> Hashable:
    """What makes two events the same event for the streams (None: not comparable, never shared)."""
    try:
        return topic, json.dumps(payload, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


_hubs: dict[tuple[int, str], Hub] = {}


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    key = (id(loop), broker_url())
    if key not in _hubs:
        _hubs[key] = Hub(get_broker())
    return _hubs[key]


def _default_key(topic: str, payload: dict[str, Any]) -> Hashable:
    return (topic, tuple(sorted((k, str(v)) for k, v in payload.items())))


async def listen(topics: Iterable[str], *, key: Callable[[str, dict[str, Any]], Hashable] | None = None,
                 accept: Callable[[dict[str, Any]], bool] | None = None) -> Listener:
    """A listener of `topics`, subscribed when this returns: iterate it for the events' payloads, and
    `aclose()` it when done. When the broker cannot be reached, raises a GraphQLError of code
    UNAVAILABLE (the subscription's answer)."""
    current = hub()
    listener = Listener(current, [f"{t}" for t in topics], key or _default_key, accept)
    try:
        await current.attach(listener)
    except BrokerUnavailable as exc:
        logger.warning("live updates: the broker cannot be reached: %s", exc)
        raise GraphQLError(gettext("Live updates are unavailable for a moment; reconnect shortly."),
                           extensions={"code": "UNAVAILABLE"}) from None
    return listener
