"""One permission per type, applied wherever the type appears.

`node(id:)` and the root lists look objects up in the viewer's scope (`ScopedNode.node_scope`). A
type may also be reached through another object's field (an allocation's `matchRun`): for types that
set `restricted = True`, every field of the schema that returns them is wrapped once, after the schema
is built, so it answers null (or leaves the object out of a list) where `may_see(viewer, obj)` is
false. Fields of unrestricted types are not wrapped and cost nothing. Subscriptions check the same
permission when they start (their root fields are not wrapped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, get_named_type
from graphql.execution.execute import default_field_resolver


def _restricted(field: GraphQLField) -> type | None:
    named = get_named_type(field.type)
    graphene_type = getattr(named, "graphene_type", None)
    return graphene_type if getattr(graphene_type, "restricted", False) else None


def _guarded(resolve: Callable[..., Any], graphene_type: Any, many: bool) -> Callable[..., Any]:
    def guarded(root: Any, info: Any, **args: Any) -> Any:
        value = resolve(root, info, **args)
        viewer = info.context.user
        if many:
            return None if value is None else [v for v in value if v is None or graphene_type.may_see(viewer, v)]
        return value if value is None or graphene_type.may_see(viewer, value) else None

    return guarded


def guard(schema: GraphQLSchema) -> list[str]:
    """Wraps every field returning a restricted type; returns "Type.field" of each (for tests). A
    non-null field of a restricted type is a schema error: it could not answer null."""
    wrapped = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        if type_ is schema.subscription_type:
            continue  # a subscription refuses in its own subscribe function, before any event
        for name, field in type_.fields.items():
            graphene_type = _restricted(field)
            if graphene_type is None:
                continue
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            many = isinstance(inner, GraphQLList)
            if not many and isinstance(field.type, GraphQLNonNull) and not type_.name.endswith("Edge"):
                raise TypeError(f"{type_.name}.{name} returns a restricted type and must be nullable")
            if type_.name.endswith("Edge"):
                continue  # a connection's nodes come from the viewer's scoped queryset already
            field.resolve = _guarded(field.resolve or default_field_resolver, graphene_type, many)
            wrapped.append(f"{type_.name}.{name}")
    return sorted(wrapped)
