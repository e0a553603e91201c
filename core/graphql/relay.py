"""Relay helpers: strict connection types with totalCount, SQL pagination, global IDs.

Connections paginate with opaque offset cursors over a stably ordered queryset; `first` is 0..100
(default 20), checked before execution by `limits.py` and again here.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

import graphene
from django.apps import apps
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from graphene import relay
from graphql_relay import from_global_id, to_global_id

from core.errors import ErrorCode, ServiceError
from core.inputs import ascii_int

from .errors import coded_error
from .limits import FIRST_DEFAULT, FIRST_MAX

CURSOR_PREFIX = "cursor:"
CURSOR_DIGITS_MAX = 9  # an offset below a billion: beyond it no list reaches, and SQL OFFSET would overflow
ID_DIGITS_MAX = 18  # a primary key fits a signed 64-bit integer


def make_connection(node: type[graphene.ObjectType], **extra: Any) -> type[relay.Connection]:
    """`<Node>Connection { edges: [<Node>Edge!]! pageInfo: PageInfo! totalCount: Int! ... }`."""
    meta = type("Meta", (), {"node": node, "strict_types": True})
    attrs: dict[str, Any] = {"Meta": meta, "total_count": graphene.NonNull(graphene.Int),
                             "resolve_total_count": staticmethod(_resolve_total_count), **extra}
    return type(f"{node._meta.name}Connection", (relay.Connection,), attrs)


def _resolve_total_count(root: Any, info: Any) -> int:
    """Counted only when asked for (one COUNT query), unless the page was the last one."""
    value = root.total_count
    return int(value() if callable(value) else value)


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith(CURSOR_PREFIX):
            raise ValueError(text)
        offset = ascii_int(text[len(CURSOR_PREFIX):], CURSOR_DIGITS_MAX)
        if offset is None:
            raise ValueError(text)
        return offset
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise coded_error(ErrorCode.INVALID, _("The cursor is not valid.")) from None


def page_size(first: int | None) -> int:
    if first is None:
        return FIRST_DEFAULT
    if not 0 <= first <= FIRST_MAX:
        raise coded_error(ErrorCode.INVALID, _("`first` must be between 0 and 100."))
    return first


class PreparedPage:
    """A page source for `connection_from` that fetches the first page with a prepared query (no ORM
    building or compiling: core/db/prepared.py) and anything else — later pages, a count — from the
    queryset `queryset()` builds only then."""

    def __init__(self, first_page: Callable[[int], list[Any]], queryset: Callable[[], QuerySet[Any]]) -> None:
        self.first_page = first_page
        self.queryset = queryset

    def resolve(self, start: int, limit: int) -> QuerySet[Any] | Sequence[Any]:
        if start or limit <= 1:
            return self.queryset()
        rows = self.first_page(limit)
        if len(rows) < limit:
            return rows  # the whole result: its length is the count
        return _Counted(rows, self.queryset)


class _Counted(list[Any]):
    """A full first page whose total is counted (lazily, when selected) by the queryset."""

    def __init__(self, rows: list[Any], queryset: Callable[[], QuerySet[Any]]) -> None:
        super().__init__(rows)
        self.queryset = queryset


def connection_from(connection_type: type[relay.Connection], items: QuerySet[Any] | Sequence[Any] | PreparedPage,
                    first: int | None, after: str | None, *, info: Any = None, seen: str | None = None,
                    total: int | None = None, **extra: Any) -> relay.Connection:
    """One page of `items` (a stably ordered queryset or list) as a connection. `seen` registers the
    page's primary keys with the request's dataloaders under that type name."""
    size = page_size(first)
    start = decode_cursor(after) + 1 if after else 0
    if isinstance(items, PreparedPage):
        items = items.resolve(start, size + 1)
    if total is None and isinstance(items, QuerySet):
        queryset = items
        counted: Any = lambda: queryset.count()  # noqa: E731 - lazy: only when totalCount is selected
    elif total is None and isinstance(items, _Counted):
        counted = items.queryset().count
    else:
        counted = total if total is not None else len(items)
    fetched = list(items[start:start + size + 1]) if size else []
    more = len(fetched) > size
    page = fetched[:size]
    if size == 0 and isinstance(items, QuerySet):
        more = items[start:start + 1].exists()
    elif size == 0:
        more = start < len(items)
    elif total is None and not more and (page or start == 0):
        counted = start + len(page)  # the last page says how many there are: no COUNT query
    if seen and info is not None:
        info.context.seen_objects(seen, page)
    edge_type = connection_type.Edge
    edges = [edge_type(node=obj, cursor=encode_cursor(start + i)) for i, obj in enumerate(page)]
    page_info = relay.PageInfo(
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
        has_previous_page=start > 0,
        has_next_page=more,
    )
    return connection_type(edges=edges, page_info=page_info, total_count=counted, **extra)


def decode_id(global_id: str | None, expected: str, field: str | None = None) -> str | None:
    """The primary key (as text) of a global ID of type `expected`, or None when it is not one."""
    if not global_id or not isinstance(global_id, str) or len(global_id) > 200:
        return None
    try:
        type_name, pk = from_global_id(global_id)
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError):
        return None
    if type_name != expected or not pk:
        return None
    return pk


def decode_int_id(global_id: str | None, expected: str) -> int | None:
    return ascii_int(decode_id(global_id, expected), ID_DIGITS_MAX)


def global_id(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, str(pk))


class ScopedNode:
    """Mixin for Relay node types whose rows the viewer may or may not see.

    `node(id:)` looks the object up in `node_scope(viewer)` — the same viewer-scoped queryset the lists
    use — so it cannot show what a list hides; an id that is not a number, or not in scope, is null.
    `node_model` ("app_label.Model") decides which type a row resolves to. Subclasses set both:

        class Booking(ScopedNode, graphene.ObjectType):
            node_model = "booking.Booking"
            node_scope = staticmethod(permissions.bookings)
    """

    node_model: str = ""
    restricted = False  # True: `may_see` is checked wherever the type appears (core.graphql.visibility)

    @staticmethod
    def node_scope(viewer: Any) -> QuerySet[Any]:
        raise NotImplementedError

    @classmethod
    def may_see(cls, viewer: Any, obj: Any) -> bool:
        """Whether `viewer` may see `obj` reached through any field (no query: a role check). The
        type's one permission for nested fields; `node_scope` is the same rule as a queryset."""
        return True

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, apps.get_model(cls.node_model))

    @classmethod
    def get_node(cls, info: Any, pk: Any) -> Any:
        number = ascii_int(pk, ID_DIGITS_MAX)
        if number is None:
            return None
        return cls.node_scope(info.context.user).filter(pk=number).first()


def resolve_node(root: Any, info: Any, id: str) -> Any:
    """The object of a global ID if the viewer may see it; null otherwise (never an error). Any type of
    the schema that implements Node answers through its own `get_node` (the viewer's scope)."""
    if not isinstance(id, str) or len(id) > 200:
        return None
    try:
        type_name, pk = from_global_id(id)
    except Exception:  # noqa: BLE001 - any undecodable ID is simply "not found"
        return None
    if not type_name or not pk:
        return None
    graphene_type = getattr(info.schema.get_type(type_name), "graphene_type", None)
    if graphene_type is None or relay.Node not in getattr(graphene_type._meta, "interfaces", ()):
        return None
    return graphene_type.get_node(info, pk)


def node_field() -> graphene.Field:
    return graphene.Field(relay.Node, id=graphene.NonNull(graphene.ID), resolver=resolve_node)


def scoped_object(queryset: QuerySet[Any] | Callable[[int], Any], global_id: str | None, type_name: str, *,
                  field: str, message: Any) -> Any:
    """The object of `global_id` (a `type_name` ID) within `queryset` — the viewer's scope, or a function
    of the primary key that looks it up there — or a NOT_FOUND ServiceError on `field`: an unknown id
    and one the viewer may not see answer alike."""
    pk = decode_int_id(global_id, type_name)
    if pk is None:
        found = None
    else:
        found = queryset.filter(pk=pk).first() if isinstance(queryset, QuerySet) else queryset(pk)
    if found is None:
        raise ServiceError.of(ErrorCode.NOT_FOUND, message, field)
    return found
