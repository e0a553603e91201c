"""What an operation selects below the field being resolved, so a resolver can join only the relations
its answer needs (a page of 50 bookings that shows each resource's name need not build 50 units and 50
subdistricts). Fragments and inline fragments are followed; `@skip` / `@include` are not evaluated, so a
field they guard counts as selected (a join too many, never one too few)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode


def _children(nodes: Iterable[Any], fragments: dict[str, Any]) -> Iterator[FieldNode]:
    for node in nodes:
        selection_set: SelectionSetNode | None = getattr(node, "selection_set", None)
        for child in selection_set.selections if selection_set else ():
            if isinstance(child, FieldNode):
                yield child
            elif isinstance(child, InlineFragmentNode):
                yield from _children([child], fragments)
            elif isinstance(child, FragmentSpreadNode) and child.name.value in fragments:
                yield from _children([fragments[child.name.value]], fragments)


def selected(info: Any, *path: str) -> set[str] | None:
    """The names of the fields selected at `path` below the current field (schema names, not aliases),
    or None when `path` itself is not selected."""
    nodes: list[Any] = list(info.field_nodes)
    for name in path:
        nodes = [child for child in _children(nodes, info.fragments) if child.name.value == name]
        if not nodes:
            return None
    return {child.name.value for child in _children(nodes, info.fragments)}
