"""graphql-core's execution with one shortcut for long lists of plain objects.

graphql-core completes every field of every list item through the same general machinery: a resolve
info and a path built per field, the arguments coerced per call, the middleware wrapped around each
resolver, the value completed through a chain of type checks. For a list of 560 slots with four fields
that is 2,800 rounds of it, about 80 % of the `resources` query's time (docs/BENCHMARKS.md).

`FlatExecutionContext.complete_list_value` takes a list whose items are objects selecting only leaves
(scalars and enums, no lists) and single objects that do the same, recursively, and completes it with a
plan made once per list: each field's definition, resolver, coerced arguments and one resolve info.
The items then cost one resolver call and one `serialize` per field. Everything observable is kept:

- the same resolvers run with the same arguments, and `is_type_of` is checked on every object;
- the middleware's work is done through its two hooks: `flat_accepts(info, args)` once per planned
  field (the execution guard declines fields with a declared list bound or control characters in their
  arguments, which the general path then reports), `flat_resolved(count)` once per list with the number
  of fields resolved (the guard counts them against the query's budget as it would have one by one);
  a middleware without the hooks disables the shortcut;
- anything unusual — a resolver raising, a null where the type forbids it, an awaitable, a value a
  scalar cannot serialise — abandons the shortcut for that list, which is then completed the general
  way from the start, so errors carry exactly the paths and messages they always had.

The one difference a resolver could notice: `info.path` is the list's path, not the item's field's.
No resolver of this project reads it (tests/graphql/test_flat_execution.py checks answers against the
general path).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.execute import get_field_def
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path

MIN_ITEMS = 4  # below this the plan costs more than it saves


class _Abandon(Exception):
    """The shortcut cannot complete this list exactly; the general path will."""


@dataclass(frozen=True)
class _Field:
    name: str
    resolve: Callable[..., Any]
    info: GraphQLResolveInfo
    args: dict[str, Any]
    non_null: bool
    serialize: Callable[[Any], Any] | None  # a leaf's serializer; None for an object
    plan: _Plan | None  # an object's plan


@dataclass(frozen=True)
class _Plan:
    type: GraphQLObjectType
    is_type_of: Callable[[Any, GraphQLResolveInfo], Any] | None
    info: GraphQLResolveInfo
    fields: tuple[_Field, ...]



class FlatExecutionContext(ExecutionContext):
    """An ExecutionContext with the flat-list shortcut (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[Any, ...], _Plan | None] = {}
        middleware = self.middleware_manager.middlewares if self.middleware_manager else ()
        self._flat_middleware = tuple(middleware or ())
        self._flat_ok = all(hasattr(m, "flat_accepts") and hasattr(m, "flat_resolved")
                            for m in self._flat_middleware)

    def complete_list_value(self, return_type: GraphQLList[GraphQLOutputType], field_nodes: list[FieldNode],
                            info: GraphQLResolveInfo, path: Path, result: Any) -> Any:
        item_type = return_type.of_type
        inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if (self._flat_ok and isinstance(inner, GraphQLObjectType) and isinstance(result, list | tuple)
                and len(result) >= MIN_ITEMS):
            plan = self._plan(inner, field_nodes, info, path)
            if plan is not None:
                resolved = [0]
                try:
                    completed = [_complete(plan, item, isinstance(item_type, GraphQLNonNull), resolved)
                                 for item in result]
                except _Abandon:
                    pass
                else:
                    for middleware in self._flat_middleware:
                        middleware.flat_resolved(resolved[0])
                    return completed
        return super().complete_list_value(return_type, field_nodes, info, path, result)

    def _plan(self, object_type: GraphQLObjectType, field_nodes: list[FieldNode], info: GraphQLResolveInfo,
              path: Path) -> _Plan | None:
        key = (object_type, *map(id, field_nodes))
        if key not in self._plans:
            try:
                self._plans[key] = self._make_plan(object_type, field_nodes, info, path, depth=0)
            except _Abandon:
                self._plans[key] = None
        return self._plans[key]

    def _make_plan(self, object_type: GraphQLObjectType, field_nodes: list[FieldNode], info: GraphQLResolveInfo,
                   path: Path, depth: int) -> _Plan:
        if depth > 3:
            raise _Abandon
        fields = []
        for response_name, nodes in self.collect_subfields(object_type, field_nodes).items():
            field_def = get_field_def(self.schema, object_type, nodes[0])
            if field_def is None:
                raise _Abandon
            field_type: Any = field_def.type
            non_null = isinstance(field_type, GraphQLNonNull)
            named = field_type.of_type if non_null else field_type
            try:
                args = get_argument_values(field_def, nodes[0], self.variable_values)
            except Exception as exc:  # the general path reports it with its path
                raise _Abandon from exc
            field_info = self.build_resolve_info(field_def, nodes, object_type, path)
            if not all(m.flat_accepts(field_info, args) for m in self._flat_middleware):
                raise _Abandon
            resolve = field_def.resolve or self.field_resolver
            if isinstance(named, GraphQLScalarType | GraphQLEnumType):
                fields.append(_Field(response_name, resolve, field_info, args, non_null, named.serialize, None))
            elif isinstance(named, GraphQLObjectType):
                sub = self._make_plan(named, nodes, field_info, path, depth + 1)
                fields.append(_Field(response_name, resolve, field_info, args, non_null, None, sub))
            else:  # lists, interfaces, unions: the general path
                raise _Abandon
        return _Plan(object_type, object_type.is_type_of, info, tuple(fields))


def _complete(plan: _Plan, item: Any, non_null: bool, resolved: list[int]) -> dict[str, Any] | None:
    if item is None:
        if non_null:
            raise _Abandon
        return None
    if plan.is_type_of is not None and plan.is_type_of(item, plan.info) is not True:
        raise _Abandon
    out: dict[str, Any] = {}
    resolved[0] += len(plan.fields)
    for f in plan.fields:
        try:
            value = f.resolve(item, f.info, **f.args)
        except Exception as exc:
            raise _Abandon from exc
        if hasattr(value, "__await__"):
            raise _Abandon
        if value is None or value is Undefined:
            if f.non_null:
                raise _Abandon
            out[f.name] = None
        elif f.plan is not None:
            out[f.name] = _complete(f.plan, value, f.non_null, resolved)
        else:
            serialize = f.serialize
            assert serialize is not None
            try:
                serialized = serialize(value)
            except Exception as exc:
                raise _Abandon from exc
            if serialized is None or serialized is Undefined:
                raise _Abandon
            out[f.name] = serialized
    return out

