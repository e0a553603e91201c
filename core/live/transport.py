"""POST /graphql/stream: GraphQL subscriptions over Server-Sent Events, graphql-sse's "distinct
connections mode" (one subscription per request; the client ends it by closing the connection).

An ASGI app (`stream_app`), and `router(django_app)` which sends /graphql/stream here and everything
else to Django. What is app-specific comes from `settings.LIVE_OPEN_OPERATION` (a function
`open_operation(request) -> StreamOperation | Refusal`, see core/graphql/streaming.py): the same
authentication, permissions, masking and limits as /graphql/.

- Refused before a stream opens (JSON, like /graphql/): not POST (405), a body over 100 kB (413), not
  JSON (415), a bad token (401), a session without CSRF (403), more than LIVE_MAX_STREAMS_PER_USER open
  streams of one signed-in user or LIVE_MAX_STREAMS_PER_PROCESS of this process (429, RATE_LIMITED,
  Retry-After).
- Otherwise HTTP 200 `text/event-stream`: `event: next` with each result (a document that cannot run
  gives one `next` with its errors), `event: complete` when the subscription ends, and a comment line
  (`:`) every LIVE_KEEPALIVE_SECONDS (12 by default, under the 15 s the contract promises). A broker
  outage ends the stream with a `next` carrying an UNAVAILABLE error, then `complete`; the client
  reconnects.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from .brokers import BrokerUnavailable
from .executor import run_sync
from .hub import TooFarBehind

logger = logging.getLogger("core.live")

STREAM_PATH = "/graphql/stream"
MAX_BODY_BYTES = 100_000
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Streams:
    """Open streams of this process, in total and by signed-in user."""

    def __init__(self) -> None:
        self.total = 0
        self.by_user: Counter[str] = Counter()

    def admit(self, user_key: str | None) -> bool:
        if self.total >= int(getattr(settings, "LIVE_MAX_STREAMS_PER_PROCESS", 2000)):
            return False
        if user_key is not None and self.by_user[user_key] >= int(getattr(settings, "LIVE_MAX_STREAMS_PER_USER", 8)):
            return False
        self.total += 1
        if user_key is not None:
            self.by_user[user_key] += 1
        return True

    def release(self, user_key: str | None) -> None:
        self.total -= 1
        if user_key is not None:
            self.by_user[user_key] -= 1
            if self.by_user[user_key] <= 0:
                del self.by_user[user_key]


streams = Streams()


def _sse(event: str, data: dict[str, Any] | None) -> bytes:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) if data is not None else ""
    return f"event: {event}\ndata: {text}\n\n".encode()


def _error(code: str, message: str) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}


async def _json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    raw = json.dumps(body, ensure_ascii=False).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    head += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw, "more_body": False})


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"\x00too-large"
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _language_of(opened: Any) -> str:
    return str(getattr(opened, "language", settings.LANGUAGE_CODE))


async def stream_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["method"] != "POST":
        await _json(send, 405, _error("INVALID", "Open a stream with POST."), {"Allow": "POST"})
        return
    body = await _read_body(receive)
    if body is None:
        return
    if body == b"\x00too-large":
        await _json(send, 413, _error("INVALID", "The request body is too large."))
        return
    open_operation = import_string(str(getattr(settings, "LIVE_OPEN_OPERATION",
                                               "core.graphql.streaming.open_operation")))
    request = ASGIRequest(scope, io.BytesIO(body))
    opened = await run_sync(open_operation, request)
    if not hasattr(opened, "source"):
        if not opened.in_stream:
            await _json(send, opened.status, opened.body, opened.headers)
            return
        await _serve(send, receive, None, opened.body)
        return
    user_key = opened.user_key
    if not streams.admit(user_key):
        with translation.override(_language_of(opened)):
            message = gettext("Too many live update streams are open; close one or try again later.")
        await _json(send, 429, _error("RATE_LIMITED", message), {"Retry-After": "5"})
        return
    try:
        await _serve(send, receive, opened, None)
    finally:
        streams.release(user_key)


async def _answer(opened: Any, source: Any, root: Any) -> bytes:
    """The `next` event for `root`: shared with the streams of the same share key (sharing.py) when the
    operation offers one and LIVE_SHARE_ANSWERS is on, else executed for this stream alone."""
    share_key = getattr(opened, "share_key", None)
    hub, event = getattr(source, "hub", None), getattr(source, "event", None)
    key = None
    sharing = getattr(settings, "LIVE_SHARE_ANSWERS", True)
    if sharing and share_key is not None and hub is not None and event is not None:
        key = share_key(root, event)
    if key is None or hub is None:
        return _sse("next", await run_sync(opened.execute, root))

    def execute() -> bytes:
        return _sse("next", opened.execute(root))

    return await hub.shared.answer((key, event), source.seq, lambda: run_sync(execute))


async def _pump(opened: Any, source: Any, write: Callable[[bytes], Awaitable[None]]) -> None:
    """Sends a `next` for each event of the subscription's source until it ends."""
    try:
        async for root in source:
            await write(await _answer(opened, source, root))
    except (BrokerUnavailable, TooFarBehind) as exc:
        with translation.override(_language_of(opened)):
            if isinstance(exc, BrokerUnavailable):
                message = gettext("Live updates are unavailable for a moment; reconnect shortly.")
            else:
                message = gettext("This live update stream fell too far behind; reconnect to catch up.")
        await write(_sse("next", _error("UNAVAILABLE", message)))
    finally:
        close = getattr(source, "aclose", None)
        if close is not None:
            await close()


async def _serve(send: Send, receive: Receive, opened: Any, errors: dict[str, Any] | None) -> None:
    """The stream. The subscription is in place before the first byte (a comment line) is sent, so a
    client that has read it misses no later change."""
    source: Any = None
    if errors is None:
        source = await opened.source()
        if isinstance(source, dict):
            errors, source = source, None
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
        (b"x-accel-buffering", b"no"), (b"connection", b"keep-alive")]})
    lock = asyncio.Lock()
    gone = asyncio.Event()

    async def write(chunk: bytes) -> None:
        async with lock:
            if gone.is_set():
                return
            try:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except OSError:
                gone.set()

    async def keepalive() -> None:
        every = float(getattr(settings, "LIVE_KEEPALIVE_SECONDS", 12))
        while True:
            await asyncio.sleep(every)  # the keep-alive period itself
            await write(b":\n\n")

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    await write(b":\n\n")
    if errors is not None:
        await write(_sse("next", errors))
    else:
        pump = asyncio.create_task(_pump(opened, source, write))
        watch = asyncio.create_task(disconnected())
        ticker = asyncio.create_task(keepalive())
        try:
            await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, watch, ticker):
                task.cancel()
            await asyncio.gather(pump, watch, ticker, return_exceptions=True)
            close = getattr(source, "aclose", None)
            if close is not None:  # also when the pump was cancelled before it started
                await close()
        if pump.done() and not pump.cancelled() and pump.exception() is not None:
            logger.error("live stream failed", exc_info=pump.exception())
            await write(_sse("next", _error("UNAVAILABLE", "Internal server error")))
    await write(_sse("complete", None))
    async with lock:
        if not gone.is_set():
            try:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:
                pass


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def router(django_app: ASGIApp) -> ASGIApp:
    """/graphql/stream to the stream endpoint, everything else to Django."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http" and scope["path"].rstrip("/") == STREAM_PATH:
            await stream_app(scope, receive, send)
        else:
            await django_app(scope, receive, send)

    return app
