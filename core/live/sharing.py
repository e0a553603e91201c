"""One answer per event for all the streams whose answer is provably the same.

Without this, every event is executed again for every subscriber: 1,000 subscribers of one canteen
cost 1,000 re-reads per booking (docs/BENCHMARKS.md "Live updates"). A stream that can share says so
with a share key (`StreamOperation.share_key`, core/graphql/sharing.py: the same document, variables,
language, token scopes and "viewer class" give the same answer); streams of one key get one re-read,
executed for one of them and serialised once, for each event.

Freshness: the hub numbers the events it reads (Hub.seq). An answer whose re-read was started when the
hub had read S events saw every change whose event is numbered S or less (an event is published after
its commit, and the re-read runs after it was started). So a stream whose event is numbered e takes an
answer of its key started at S >= e, and otherwise starts a new one; coalescing streams that fell
behind take the latest. Nothing is taken from the event itself.

The computation runs as a task of its own, so a stream that goes away while waiting does not cancel it
for the others. At most LIVE_SHARED_ANSWERS answers are kept (oldest dropped first: a dropped answer is
only computed again).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from django.conf import settings


class SharedAnswers:
    def __init__(self, current_seq: Callable[[], int]) -> None:
        self.current_seq = current_seq
        self.entries: OrderedDict[Hashable, tuple[int, asyncio.Future[bytes]]] = OrderedDict()
        self.computed = 0  # answers computed (one re-read each)
        self.reused = 0  # answers served to a stream that did not compute them

    async def answer(self, key: Hashable, seq: int, compute: Callable[[], Awaitable[bytes]]) -> bytes:
        """The answer for an event numbered `seq` under `key`: a fresh enough one already started, or
        `compute()`'s. Raises what `compute` raised."""
        entry = self.entries.get(key)
        if entry is not None and entry[0] >= seq:
            self.reused += 1
            return await asyncio.shield(entry[1])
        task = asyncio.ensure_future(compute())
        task.add_done_callback(_retrieve)
        self.entries[key] = (self.current_seq(), task)
        self.entries.move_to_end(key)
        self.computed += 1
        limit = int(getattr(settings, "LIVE_SHARED_ANSWERS", 10_000))
        while len(self.entries) > limit:
            self.entries.popitem(last=False)
        return await asyncio.shield(task)


def _retrieve(task: asyncio.Future[bytes]) -> None:
    """Marks a failure as seen (its waiters got it), so asyncio does not log it again at collection."""
    if not task.cancelled():
        task.exception()
