"""The pub/sub backends of live updates, chosen by `settings.LIVE_BROKER_URL`.

Every backend carries all topics on one stream: `publish_many([(topic, payload), ...])` (synchronous,
bounded by a short timeout, raises on failure) and `open()`, which connects and subscribes before it
returns (so nothing published afterwards is missed) and gives a `Reader` whose `read()` yields every
(topic, payload) published from then on, and raises BrokerUnavailable when the broker goes away.

- `redis://…`: Redis pub/sub on one channel `<LIVE_CHANNEL_PREFIX>events`; works across machines
  (production, DESIGN.md "Running modes").
- `sqlite:///path` (the embedded default): an append-only event log in a SQLite file of its own, in WAL
  mode. Publishers insert a row; each web process polls for rows newer than the last it saw (one query
  per process every LIVE_POLL_SECONDS, whatever the number of streams). Chosen over PostgreSQL
  LISTEN/NOTIFY because the embedded mode's database is SQLite, and over a plain appended file because
  SQLite gives atomic appends, ordered ids and pruning across processes without any locking of ours:
  it needs no server and works between the web process and the Celery worker of one machine.
- `memory://`: within one process only (tests that need no second process).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import redis
import redis.asyncio as aioredis
from django.conf import settings
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger("core.live")
Event = tuple[str, dict[str, Any]]
KEEP_SECONDS = 120  # the SQLite log keeps this much history; a poller is never further behind


class BrokerUnavailable(Exception):
    """The broker cannot be reached, or the connection to it was lost."""


class Reader(Protocol):
    def read(self) -> AsyncIterator[Event]: ...

    async def close(self) -> None: ...


class Broker(Protocol):
    def publish_many(self, events: Iterable[Event]) -> None: ...

    async def open(self) -> Reader: ...


def _prefix() -> str:
    return str(getattr(settings, "LIVE_CHANNEL_PREFIX", "live:"))


def _encode(topic: str, payload: dict[str, Any]) -> str:
    return json.dumps({"t": topic, "p": payload}, separators=(",", ":"))


def _decode(raw: str | bytes) -> Event | None:
    try:
        data = json.loads(raw)
        return str(data["t"]), dict(data["p"])
    except (ValueError, KeyError, TypeError):
        return None


# --- Redis ----------------------------------------------------------------------------------------------
class RedisBroker:
    def __init__(self, url: str) -> None:
        self.url = url
        self.channel = f"{_prefix()}events"
        self._client: Any = None

    def _sync_client(self) -> Any:
        if self._client is None:
            self._client = redis.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                                retry=Retry(NoBackoff(), 0))
        return self._client

    def publish_many(self, events: Iterable[Event]) -> None:
        items = [_encode(t, p) for t, p in events]
        if not items:
            return
        try:
            pipe = self._sync_client().pipeline(transaction=False)
            for item in items:
                pipe.publish(self.channel, item)
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            raise BrokerUnavailable(str(exc)) from exc

    async def open(self) -> Reader:
        # no silent reconnection: events published meanwhile would be lost without the streams knowing
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2, health_check_interval=5,
                                         retry=AsyncRetry(NoBackoff(), 0))
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
        except (redis.RedisError, OSError) as exc:
            await pubsub.aclose()
            await client.aclose()
            raise BrokerUnavailable(str(exc)) from exc
        return _RedisReader(client, pubsub)


class _RedisReader:
    def __init__(self, client: Any, pubsub: Any) -> None:
        self.client = client
        self.pubsub = pubsub

    async def read(self) -> AsyncIterator[Event]:
        while True:
            try:
                message = await self.pubsub.get_message(timeout=1.0)
            except (redis.RedisError, OSError) as exc:
                raise BrokerUnavailable(str(exc)) from exc
            if message is None or message.get("type") != "message":
                continue
            event = _decode(message["data"])
            if event is not None:
                yield event

    async def close(self) -> None:
        try:
            await self.pubsub.aclose()
            await self.client.aclose()
        except Exception as exc:  # noqa: BLE001 - a dead connection may fail to close; nothing to do about it
            logger.debug("live updates: closing the broker's connection failed: %s", exc)


# --- SQLite event log (embedded mode) -------------------------------------------------------------------------
class SQLiteBroker:
    SCHEMA = ("CREATE TABLE IF NOT EXISTS live_event (id INTEGER PRIMARY KEY AUTOINCREMENT, "
              "at REAL NOT NULL, body TEXT NOT NULL)")

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=2, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(self.SCHEMA)
            self._local.conn = conn
        return conn

    def publish_many(self, events: Iterable[Event]) -> None:
        rows = [(time.time(), _encode(t, p)) for t, p in events]
        if not rows:
            return
        try:
            conn = self._connect()
            conn.executemany("INSERT INTO live_event (at, body) VALUES (?, ?)", rows)
            last = conn.execute("SELECT max(id) FROM live_event").fetchone()[0] or 0
            if last % 200 < len(rows):  # now and then: forget what every poller has long read
                conn.execute("DELETE FROM live_event WHERE at < ?", (time.time() - KEEP_SECONDS,))
        except sqlite3.Error as exc:
            self._local.conn = None
            raise BrokerUnavailable(str(exc)) from exc

    def _after(self, last: int) -> list[tuple[int, str]]:
        return list(self._connect().execute(
            "SELECT id, body FROM live_event WHERE id > ? ORDER BY id LIMIT 1000", (last,)).fetchall())

    def _last(self) -> int:
        return int(self._connect().execute("SELECT coalesce(max(id), 0) FROM live_event").fetchone()[0])

    async def open(self) -> Reader:
        try:
            last = await asyncio.to_thread(self._last)
        except sqlite3.Error as exc:
            raise BrokerUnavailable(str(exc)) from exc
        return _SQLiteReader(self, last)


class _SQLiteReader:
    def __init__(self, broker: SQLiteBroker, last: int) -> None:
        self.broker = broker
        self.last = last

    async def read(self) -> AsyncIterator[Event]:
        poll = float(getattr(settings, "LIVE_POLL_SECONDS", 0.2))
        while True:
            try:
                rows = await asyncio.to_thread(self.broker._after, self.last)
            except sqlite3.Error as exc:
                raise BrokerUnavailable(str(exc)) from exc
            for pk, body in rows:
                self.last = pk
                event = _decode(body)
                if event is not None:
                    yield event
            if len(rows) < 1000:
                await asyncio.sleep(poll)  # the polling interval of the event log, not a synchronisation

    async def close(self) -> None:
        return None


# --- in-process ----------------------------------------------------------------------------------------------
class MemoryBroker:
    def __init__(self) -> None:
        self.readers: set[_MemoryReader] = set()
        self.lock = threading.Lock()

    def publish_many(self, events: Iterable[Event]) -> None:
        items = list(events)
        with self.lock:
            readers = list(self.readers)
        for reader in readers:
            reader.loop.call_soon_threadsafe(reader.queue.put_nowait, items)

    async def open(self) -> Reader:
        reader = _MemoryReader(self, asyncio.get_running_loop())
        with self.lock:
            self.readers.add(reader)
        return reader


class _MemoryReader:
    def __init__(self, broker: MemoryBroker, loop: asyncio.AbstractEventLoop) -> None:
        self.broker = broker
        self.loop = loop
        self.queue: asyncio.Queue[list[Event]] = asyncio.Queue()

    async def read(self) -> AsyncIterator[Event]:
        while True:
            for event in await self.queue.get():
                yield event

    async def close(self) -> None:
        with self.broker.lock:
            self.broker.readers.discard(self)


_brokers: dict[str, Broker] = {}
_brokers_lock = threading.Lock()


def broker_url() -> str:
    configured = str(getattr(settings, "LIVE_BROKER_URL", "") or "")
    if configured:
        return configured
    return f"sqlite:///{Path(settings.VAR_DIR) / 'live-events.sqlite3'}"


def get_broker() -> Broker:
    """The process's broker for `settings.LIVE_BROKER_URL` (one per URL)."""
    url = broker_url()
    with _brokers_lock:
        if url not in _brokers:
            scheme = urlparse(url).scheme
            if scheme in {"redis", "rediss", "unix"}:
                _brokers[url] = RedisBroker(url)
            elif scheme == "sqlite":
                _brokers[url] = SQLiteBroker(url[len("sqlite://"):])
            elif scheme == "memory":
                _brokers[url] = MemoryBroker()
            else:
                raise ValueError(f"LIVE_BROKER_URL: unknown scheme {scheme!r} (redis, sqlite or memory)")
        return _brokers[url]
