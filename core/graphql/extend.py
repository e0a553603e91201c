"""Type extension across apps: a higher app adds fields to a type a lower app declares.

A marketplace type such as `Resource` shows the booking app's slots and the matching app's figures,
yet the marketplace must not import those apps. So the lower app declares the type with its own
fields, and the higher app extends it — GraphQL's `extend type` — from its own `graphql/` package:

    extend_type(Resource, slots=graphene.List(...), resolve_slots=resolve_slots)

Fields are added to the type's field map before the schema is built (config/schema.py imports every
app's GraphQL package first); `resolve_<name>` functions become the type's static resolvers. Adding a
field the type already has is a programming error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from graphene.types.utils import yank_fields_from_attrs


def extend_type(target: type[graphene.ObjectType], **attrs: Any) -> None:
    """Adds the fields and `resolve_*` functions in `attrs` to `target`."""
    resolvers = {name: value for name, value in attrs.items() if name.startswith("resolve_")}
    fields = yank_fields_from_attrs({k: v for k, v in attrs.items() if k not in resolvers}, _as=graphene.Field)
    clash = set(fields) & set(target._meta.fields)
    if clash:
        raise ValueError(f"{target.__name__} already has {sorted(clash)}")
    target._meta.fields.update(fields)
    for name, function in resolvers.items():
        if not callable(function):
            raise TypeError(f"{name} must be callable")
        setattr(target, name, staticmethod(_plain(function)))


def _plain(function: Callable[..., Any] | staticmethod) -> Callable[..., Any]:
    return function.__func__ if isinstance(function, staticmethod) else function
