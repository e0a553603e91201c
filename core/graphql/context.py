"""The per-request context of one GraphQL operation: the viewer, the clock and the dataloaders.

Dataloaders are synchronous and per request. A list resolver registers the primary keys it returned
(`context.seen(type, ids)`); a per-object field resolver then asks a loader for its own key and the
loader fetches that key together with every sibling seen and not yet loaded, in one query. So
`resources(first: 100) { edges { node { slots(...) } } }` costs one slot query, not a hundred.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from core import clock

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


def clock_now() -> dt.datetime:
    """The moment an operation runs at (tests replace this to control time)."""
    return clock.now()


class BatchLoader:
    """Loads values by key in batches; `batch` returns {key: value} for the keys it was given."""

    def __init__(self, batch: Callable[[list[Any]], dict[Any, Any]], default: Any = None) -> None:
        self.batch = batch
        self.default = default
        self.cache: dict[Any, Any] = {}

    def load(self, key: Hashable, siblings: Iterable[Hashable] = ()) -> Any:
        if key not in self.cache:
            keys = [key, *(k for k in dict.fromkeys(siblings) if k not in self.cache and k != key)]
            found = self.batch(keys)
            for k in keys:
                self.cache[k] = found.get(k, self.default)
        return self.cache[key]

    def prime(self, key: Hashable, value: Any) -> None:
        self.cache.setdefault(key, value)


class GraphQLContext:
    """What every resolver gets as `info.context`."""

    def __init__(self, request: HttpRequest, user: User | None, now: dt.datetime | None = None) -> None:
        self.request = request
        self.user = user if user is not None and user.is_authenticated else None
        self.now = now or clock_now()
        self._loaders: dict[Hashable, BatchLoader] = {}
        self._seen: dict[str, dict[Any, None]] = {}
        self.objects: dict[str, dict[Any, Any]] = {}
        self.memo: dict[Hashable, Any] = {}
        self.token_scopes: frozenset[str] | None = None  # None: a session (or anonymous) request
        self.operation_type = "query"

    # Django-style access used by some libraries
    @property
    def META(self) -> dict[str, Any]:
        return self.request.META

    def loader(self, name: Hashable, batch: Callable[[list[Any]], dict[Any, Any]], default: Any = None
               ) -> BatchLoader:
        if name not in self._loaders:
            self._loaders[name] = BatchLoader(batch, default)
        return self._loaders[name]

    def seen(self, type_name: str, ids: Iterable[Any]) -> None:
        bucket = self._seen.setdefault(type_name, {})
        for pk in ids:
            bucket[pk] = None

    def seen_objects(self, type_name: str, objects: Iterable[Any]) -> None:
        """Registers objects a list returned: their keys batch sibling loads, the objects themselves are
        reused by loaders that need the rows (no second fetch)."""
        store = self.objects.setdefault(type_name, {})
        keys = []
        for obj in objects:
            store[obj.pk] = obj
            keys.append(obj.pk)
        self.seen(type_name, keys)

    def object_of(self, type_name: str, pk: Any) -> Any:
        return self.objects.get(type_name, {}).get(pk)

    def siblings(self, type_name: str) -> list[Any]:
        return list(self._seen.get(type_name, {}))

    def remember(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Per-request memo for values that several resolvers need (e.g. the viewer's scope)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]
