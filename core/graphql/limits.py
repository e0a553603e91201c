"""Abuse limits on a parsed, validated document (docs/ARCHITECTURE.md "GraphQL abuse").

Checked before anything runs (no SQL): depth, aliases, root fields, the `first` argument of every
connection (0..100, default 20) and a node estimate (a connection multiplies what is under it by its
`first`, another list of objects by LIST_ESTIMATE). The token limit is applied when parsing.
Each refusal is a GraphQLError with extensions.code INVALID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.type import GraphQLCompositeType, GraphQLInterfaceType, GraphQLUnionType

from core.errors import ErrorCode

LIST_ESTIMATE = 10
FIRST_DEFAULT = 20
FIRST_MAX = 100


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 20
    max_root_fields: int = 20
    max_nodes: int = 20_000
    max_tokens: int = 3_000
    max_walk: int = 50_000


def configured_limits() -> Limits:
    overrides: dict[str, Any] = getattr(settings, "GRAPHQL_LIMITS", {})
    return Limits(**overrides)


def _error(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": str(ErrorCode.INVALID)})


class _TooBig(Exception):
    pass


class _Walker:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any], limits: Limits) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limits = limits
        self.depth = 0
        self.aliases = 0
        self.visits = 0
        self.errors: list[GraphQLError] = []

    def fields(self, selection_set: SelectionSetNode, parent: GraphQLCompositeType
               ) -> list[tuple[FieldNode, GraphQLCompositeType]]:
        """The fields of a selection set with fragments expanded, each with its parent type."""
        out: list[tuple[FieldNode, GraphQLCompositeType]] = []
        for selection in selection_set.selections:
            self.visits += 1
            if self.visits > self.limits.max_walk:
                raise _TooBig
            if isinstance(selection, FieldNode):
                out.append((selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                cond = parent
                if selection.type_condition is not None:
                    named = self.schema.get_type(selection.type_condition.name.value)
                    cond = named if _composite(named) else parent  # type: ignore[assignment]
                out.extend(self.fields(selection.selection_set, cond))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    named = self.schema.get_type(fragment.type_condition.name.value)
                    cond = named if _composite(named) else parent  # type: ignore[assignment]
                    out.extend(self.fields(fragment.selection_set, cond))
        return out

    def first_of(self, node: FieldNode) -> int:
        for argument in node.arguments:
            if argument.name.value == "first":
                value = value_from_ast_untyped(argument.value, self.variables)
                if value is None or value is Undefined:
                    return FIRST_DEFAULT
                if not isinstance(value, int) or not 0 <= value <= FIRST_MAX:
                    self.errors.append(_error(f"`first` must be between 0 and {FIRST_MAX}."))
                    return FIRST_MAX
                return value
        return FIRST_DEFAULT

    def cost(self, selection_set: SelectionSetNode, parent: GraphQLCompositeType, depth: int,
             multiplier: int) -> int:
        self.depth = max(self.depth, depth)
        total = 0
        for node, parent_type in self.fields(selection_set, parent):
            name = node.name.value
            if node.alias is not None:
                self.aliases += 1
            if name.startswith("__"):
                continue  # introspection is refused outside debug by its own rule
            field = None
            if isinstance(parent_type, GraphQLObjectType | GraphQLInterfaceType):
                field = parent_type.fields.get(name)
            if field is None:
                continue
            total += multiplier
            if node.selection_set is None:
                continue
            field_type = field.type
            named = get_named_type(field_type)
            inner = multiplier
            if named.name.endswith("Connection") and "first" in field.args:
                inner = multiplier * max(self.first_of(node), 1)
            elif _is_list(field_type) and not parent_type.name.endswith("Connection"):
                inner = multiplier * LIST_ESTIMATE
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                total += self.cost(node.selection_set, named, depth + 1, inner)
        return total


def _composite(named: Any) -> bool:
    return isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


def _is_list(field_type: Any) -> bool:
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def check_limits(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
                 variables: dict[str, Any] | None, limits: Limits | None = None) -> list[GraphQLError]:
    """Every limit the operation breaks (empty when it may run)."""
    limits = limits or configured_limits()
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    if root is None:
        return []
    walker = _Walker(schema, fragments, variables or {}, limits)
    try:
        root_fields = [f for f, _parent in walker.fields(operation.selection_set, root)
                       if not f.name.value.startswith("__")]
        nodes = walker.cost(operation.selection_set, root, 1, 1)
    except _TooBig:
        return [_error("The query is too complex.")]
    errors = list(walker.errors)
    if walker.depth > limits.max_depth:
        errors.append(_error(f"The query is nested too deeply (at most {limits.max_depth} levels)."))
    if walker.aliases > limits.max_aliases:
        errors.append(_error(f"The query uses too many aliases (at most {limits.max_aliases})."))
    if len(root_fields) > limits.max_root_fields:
        errors.append(_error(f"The query asks for too many root fields (at most {limits.max_root_fields})."))
    if nodes > limits.max_nodes:
        errors.append(_error(f"The query may return too many objects ({nodes} > {limits.max_nodes})."))
    return errors
