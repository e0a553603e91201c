"""Which subscriptions may share one answer among their streams (core/live/sharing.py), and the key.

An app declares a subscription field shareable with `declare_shared(field, viewer=…, viewer_class=…,
fields={type name: field names})`: `fields` lists, per type, the fields whose value depends on the
viewer at most through `viewer_class(viewer(user), event)` (a hashable, e.g. the home community whose
quota counts). `viewer(user)` runs once when the stream opens, in a worker thread (it may read the
database); `viewer_class` runs on the event loop for each stream at each event, so it must not. A
document is shared only when everything it selects under that field (through fragments too) is listed;
any other field (one that may show or hide something per viewer) keeps it per stream.

Two streams get the same key, and so one answer, only when they have the same document text, operation
name, variables, language, token scopes and viewer class. The viewer class is worked out per event, since
it may depend on it (an age on the slot's day), and remembered per event identity (`StreamKeys`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)

ViewerFacts = Callable[[Any], Any]
ViewerClass = Callable[[Any, dict[str, Any]], Hashable]


@dataclass(frozen=True)
class Shared:
    field: str
    viewer: ViewerFacts
    viewer_class: ViewerClass
    fields: Mapping[str, frozenset[str]]


_declared: dict[str, Shared] = {}


def declare_shared(field: str, *, viewer: ViewerFacts, viewer_class: ViewerClass,
                   fields: Mapping[str, set[str] | frozenset[str]]) -> None:
    """Declares the subscription field `field` (its schema name) shareable; see the module's doc."""
    _declared[field] = Shared(field, viewer, viewer_class,
                              {name: frozenset(names) for name, names in fields.items()})


def shared_of(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> Shared | None:
    """The declaration that covers the whole of this subscription, or None (answered per stream)."""
    root = schema.subscription_type
    selections = operation.selection_set.selections
    if root is None or len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    top = selections[0]
    declared = _declared.get(top.name.value)
    if declared is None or top.name.value not in root.fields:
        return None
    if top.selection_set is None:
        return declared
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    covered = _covered(schema, fragments, declared, top.selection_set,
                       get_named_type(root.fields[top.name.value].type))
    return declared if covered else None


def _covered(schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], declared: Shared,
             selection_set: SelectionSetNode, parent: GraphQLNamedType) -> bool:
    if not isinstance(parent, GraphQLObjectType) or parent.name not in declared.fields:
        return False  # an interface or union could be any type: not worth proving
    allowed = declared.fields[parent.name]
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name == "__typename":
                continue
            if name not in allowed or name not in parent.fields:
                return False
            if selection.selection_set is not None and not _covered(
                    schema, fragments, declared, selection.selection_set, get_named_type(parent.fields[name].type)):
                return False
        elif isinstance(selection, InlineFragmentNode):
            condition = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            if condition is None or not _covered(schema, fragments, declared, selection.selection_set, condition):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            condition = schema.get_type(fragment.type_condition.name.value) if fragment is not None else None
            if fragment is None or condition is None or not _covered(
                    schema, fragments, declared, fragment.selection_set, condition):
                return False
        else:
            return False
    return True


class StreamKeys:
    """The share keys of one stream, made when it opens (in a worker thread: `viewer(user)` may read the
    database). What is fixed for the stream (document, operation, variables, language, scopes, the
    viewer's facts) is put together once; the viewer class once per distinct event (the events of one
    slot repeat), since `key` runs on the event loop for every stream at every event."""

    def __init__(self, shared: Shared | None, *, text: str, operation_name: str | None,
                 variables: dict[str, Any] | None, language: str, token_scopes: frozenset[str] | None,
                 user: Any) -> None:
        self.shared = shared
        self.facts: Any = None
        values = ""
        if shared is not None:
            try:
                values = json.dumps(variables, sort_keys=True, separators=(",", ":"))
                self.facts = shared.viewer(user)
            except (TypeError, ValueError):
                self.shared = None
        scopes = tuple(sorted(token_scopes)) if token_scopes is not None else None
        self.fixed = (text, operation_name, values, language, scopes)
        self.keys: dict[Hashable, Hashable] = {}

    def key(self, event: dict[str, Any], identity: Hashable = None) -> Hashable:
        """The key under which streams share the answer to `event` (whose identity, from the hub, is
        `identity`), or None: this stream answers alone."""
        if self.shared is None:
            return None
        known = self.keys.get(identity) if identity is not None else None
        if known is not None:
            return known
        try:
            key = (self.fixed, self.shared.viewer_class(self.facts, event))
        except (KeyError, TypeError, ValueError):
            return None
        if identity is not None:
            if len(self.keys) >= 256:  # a long-lived stream of many slots: start over, it is only a memo
                self.keys.clear()
            self.keys[identity] = key
        return key
