"""Abuse limits on a parsed, validated document (docs/ARCHITECTURE.md "GraphQL abuse").

Checked before anything runs (no SQL): depth, aliases, root fields, the `first` argument of every
connection (0..100, default 20) and an estimate of the fields the answer may hold: every field of
every object counts one; a connection multiplies what is under it by its `first`, another list of
objects by its declared bound (`declare_list_bound`, e.g. at most 60 communities in a subdistrict,
20 opening windows a day times the days of `slots(from, to)`). The budget is smaller for anonymous
requests. The token limit is applied when parsing. Each refusal is a GraphQLError with
extensions.code INVALID.

While a query executes, `ExecutionGuard` (graphql-core middleware) is the second line: it cuts every
declared list to its bound, so the estimate holds, and counts the fields resolved; past the budget the
operation is aborted with INVALID.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
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
from core.inputs import has_control_character

logger = logging.getLogger("core.graphql")

UNDECLARED_LIST_ESTIMATE = 100  # a list of objects without a declared bound (a test requires one for each)
FIRST_DEFAULT = 20
FIRST_MAX = 100

# A list's bound: a number, or a function of the field's arguments (GraphQL names; values as sent, e.g.
# strings for dates, or as resolved) that returns a number.
ListBound = int | Callable[[Mapping[str, Any]], int]
LIST_BOUNDS: dict[tuple[str, str], ListBound] = {}


def declare_list_bound(type_name: str, field_name: str, bound: ListBound) -> None:
    """`type_name.field_name` (a list of objects) returns at most `bound` items; estimated and enforced so."""
    LIST_BOUNDS[(type_name, field_name)] = bound


def list_bound(type_name: str, field_name: str, args: Mapping[str, Any]) -> int | None:
    bound = LIST_BOUNDS.get((type_name, field_name))
    if bound is None:
        return None
    return bound if isinstance(bound, int) else max(0, bound(args))


def _day_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def per_day(items_per_day: int, longest_days: int, start: str = "from", end: str = "to"
            ) -> Callable[[Mapping[str, Any]], int]:
    """A bound of `items_per_day` for each calendar day touched by [start, end] (at most `longest_days`
    + 1 days, the longest period the field accepts, when the arguments are not known yet)."""
    def bound(args: Mapping[str, Any]) -> int:
        first = _day_of(args.get(start, args.get(f"{start}_")))
        last = _day_of(args.get(end, args.get(f"{end}_")))
        days = longest_days + 1
        if first is not None and last is not None:
            days = min(days, max(1, (last - first).days + 1))
        return items_per_day * days
    return bound


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 20
    max_root_fields: int = 20
    max_nodes: int = 20_000
    max_nodes_anonymous: int = 5_000
    max_tokens: int = 3_000
    max_walk: int = 50_000

    def budget(self, signed_in: bool) -> int:
        """The fields an operation may return: smaller for anonymous requests."""
        return self.max_nodes if signed_in else min(self.max_nodes, self.max_nodes_anonymous)


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

    def arguments(self, node: FieldNode) -> dict[str, Any]:
        out = {}
        for argument in node.arguments:
            value = value_from_ast_untyped(argument.value, self.variables)
            out[argument.name.value] = None if value is Undefined else value
        return out

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
                bound = list_bound(parent_type.name, name, self.arguments(node))
                inner = multiplier * (UNDECLARED_LIST_ESTIMATE if bound is None else bound)
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                total += self.cost(node.selection_set, named, depth + 1, inner)
        return total


def _composite(named: Any) -> bool:
    return isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


def _is_list(field_type: Any) -> bool:
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def estimate(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
             variables: dict[str, Any] | None = None) -> int:
    """The estimated number of fields the operation may return (each field of each object counts one)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    walker = _Walker(schema, fragments, variables or {}, Limits(max_walk=10**9))
    return walker.cost(operation.selection_set, root, 1, 1)


def check_limits(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
                 variables: dict[str, Any] | None, limits: Limits | None = None, *, signed_in: bool = True
                 ) -> list[GraphQLError]:
    """Every limit the operation breaks (empty when it may run)."""
    limits = limits or configured_limits()
    budget = limits.budget(signed_in)
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
    if nodes > budget:
        errors.append(_error(f"The query may return too many objects ({nodes} > {budget})."))
    return errors


_CONTROL_MESSAGE = _("An argument holds a control character.")


class _Exceeded(GraphQLError):
    pass


class ExecutionGuard:
    """graphql-core middleware for one operation: cuts declared lists to their bound and counts every
    field resolved; once more than `budget` were resolved in a query, every further field fails and
    `exceeded` is set (the caller then answers INVALID without the partial data)."""

    def __init__(self, budget: int, counting: bool = True) -> None:
        self.budget = budget
        self.counting = counting
        self.resolved = 0
        self.exceeded = False

    def resolve(self, next_: Callable[..., Any], root: Any, info: Any, **args: Any) -> Any:
        self.resolved += 1
        if self.counting and self.resolved > self.budget:
            self.exceeded = True
            raise _Exceeded(self.message(), extensions={"code": str(ErrorCode.INVALID)})
        # A query's arguments never reach SQL with a control character (a NUL is a DataError on
        # PostgreSQL); a mutation's input is checked field by field (core.graphql.mutations.clean_input).
        if args and info.parent_type is not info.schema.mutation_type and has_control_character(args):
            raise GraphQLError(str(_CONTROL_MESSAGE), extensions={"code": str(ErrorCode.INVALID)})
        result = next_(root, info, **args)
        bound = list_bound(info.parent_type.name, info.field_name, args) \
            if (info.parent_type.name, info.field_name) in LIST_BOUNDS else None
        if bound is not None and result is not None:
            result = _cut(result, bound, f"{info.parent_type.name}.{info.field_name}")
        return result

    def flat_accepts(self, info: Any, args: dict[str, Any]) -> bool:
        """core/graphql/flat.py may resolve this field for a whole list at once: not a bounded list, and
        no control character in its arguments (the general path refuses those with the field's path)."""
        if (info.parent_type.name, info.field_name) in LIST_BOUNDS:
            return False
        return not (args and info.parent_type is not info.schema.mutation_type and has_control_character(args))

    def flat_resolved(self, count: int) -> None:
        """`count` fields resolved at once by core/graphql/flat.py, counted as `resolve` counts each."""
        self.resolved += count
        if self.counting and self.resolved > self.budget:
            self.exceeded = True
            raise _Exceeded(self.message(), extensions={"code": str(ErrorCode.INVALID)})

    def message(self) -> str:
        return f"The query returned too many objects (more than {self.budget})."


def _cut(result: Any, bound: int, where: str) -> Any:
    if isinstance(result, QuerySet):
        return result[:bound]
    if isinstance(result, list | tuple) and len(result) > bound:
        logger.warning("%s returned %d items, cut to its declared bound of %d", where, len(result), bound)
        return list(result)[:bound]
    return result
