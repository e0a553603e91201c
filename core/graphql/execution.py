"""The one way into the data (docs/ARCHITECTURE.md): `execute_operation()`.

Used by the `/graphql/` view and by every page of the web app alike, so both get the same rules:
graphql-core's specified validation rules, the abuse limits of `limits.py`, introspection only with
DEBUG, per-request dataloaders (`context.py`), error masking and the outage answer.

Authentication is the caller's job (the view authenticates the token or the session and CSRF);
this function takes the viewer from `user` or `request.user`.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest
from django.utils.module_loading import import_string
from graphql import (
    DocumentNode,
    ExecutionContext,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule

from core.errors import ErrorCode, ServiceError

from .context import GraphQLContext
from .flat import FlatExecutionContext
from .limits import ExecutionGuard, check_limits, configured_limits

logger = logging.getLogger("core.graphql")

INTERNAL_MESSAGE = "Internal server error"
RETRY_AFTER_SECONDS = 5
DOCUMENT_CACHE_SIZE = 256
DATABASE_DOWN = (OperationalError, InterfaceError)
EXECUTION_CONTEXT: type[ExecutionContext] = FlatExecutionContext  # graphql-core's plus the flat-list shortcut


@dataclass
class OperationResult:
    """What an operation produced: `data`, formatted `errors`, and the HTTP status and headers to send."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.errors:
            body["errors"] = self.errors
        if self.data is not None or not self.errors:
            body["data"] = self.data
        return body

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code", "") for e in self.errors]


def get_schema() -> GraphQLSchema:
    """The project's schema, named by settings.GRAPHENE["SCHEMA"] (config/schema.py); core names no app."""
    return import_string(str(settings.GRAPHENE["SCHEMA"])).graphql_schema


def _format(error: GraphQLError, code: str, message: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"message": message if message is not None else error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    extensions = {k: v for k, v in (error.extensions or {}).items() if k != "code"}
    out["extensions"] = {"code": code, **extensions}
    return out


def request_error(message: str, code: ErrorCode = ErrorCode.INVALID, status: int = 400,
                  headers: dict[str, str] | None = None) -> OperationResult:
    return OperationResult(data=None, errors=[{"message": message, "extensions": {"code": str(code)}}],
                           status=status, headers=headers or {})


def outage() -> OperationResult:
    return request_error("The service is temporarily unavailable; try again shortly.", ErrorCode.UNAVAILABLE,
                         503, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def mask_error(error: GraphQLError) -> dict[str, Any]:
    """A client sees codes and safe messages only: bugs become "Internal server error"."""
    original = error.original_error
    code = (error.extensions or {}).get("code")
    if original is None or isinstance(original, GraphQLError):
        inner_code = ((original.extensions or {}).get("code") if isinstance(original, GraphQLError) else None)
        return _format(error, str(code or inner_code or ErrorCode.INVALID))
    if isinstance(original, ServiceError):
        first = original.errors[0]
        return _format(error, str(first.code), str(first.message))
    logger.error("GraphQL resolver failed at %s", error.path, exc_info=original)
    return _format(error, str(ErrorCode.INTERNAL), INTERNAL_MESSAGE)


class _DocumentCache:
    """Parsed and validated documents by text (validation does not depend on variables)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[str, bool], tuple[DocumentNode | None, list[GraphQLError]]] = OrderedDict()

    def get(self, text: str, schema: GraphQLSchema) -> tuple[DocumentNode | None, list[GraphQLError]]:
        key = (text, settings.DEBUG)
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = parse_and_validate(text, schema)
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > DOCUMENT_CACHE_SIZE:
                self.entries.popitem(last=False)
        return value


_documents = _DocumentCache()


def validation_rules() -> list[Any]:
    rules = list(specified_rules)
    if not settings.DEBUG:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


def parse_and_validate(text: str, schema: GraphQLSchema) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """Parses with the token limit and validates with graphql-core's rules (plus no introspection
    outside debug). Returns the document, or None and the errors."""
    try:
        document = parse(text, max_tokens=configured_limits().max_tokens)
    except GraphQLError as exc:
        return None, [exc]
    errors = validate(schema, document, validation_rules(), max_errors=20)
    return (None, errors) if errors else (document, [])


def _invalid_result(errors: list[GraphQLError], status: int = 400) -> OperationResult:
    return OperationResult(data=None, errors=[_format(e, str((e.extensions or {}).get("code") or ErrorCode.INVALID))
                                              for e in errors], status=status)


def execute_operation(request: HttpRequest, document: str | DocumentNode, variables: dict[str, Any] | None,
                      operation_name: str | None = None, *, user: Any = None,
                      allow_mutations: bool = True, token_scopes: frozenset[str] | None = None
                      ) -> OperationResult:
    """Runs one operation for the viewer (`user`, else `request.user`) and returns the result.

    Refuses (HTTP 400, code INVALID) unparsable or invalid documents, broken limits, several operations
    without a name, and mutations where `allow_mutations` is false. Answers HTTP 503 with Retry-After
    and UNAVAILABLE when the database is down. Never raises for a client's input.
    """
    schema = get_schema()
    if isinstance(document, str):
        parsed, errors = _documents.get(document, schema)
        if parsed is None:
            return _invalid_result(errors)
    else:
        parsed = document
        errors = validate(schema, parsed, validation_rules(), max_errors=20)
        if errors:
            return _invalid_result(errors)
    if variables is not None and not isinstance(variables, dict):
        return request_error("`variables` must be an object.")
    operation = get_operation_ast(parsed, operation_name)
    if operation is None:
        return request_error("Name the operation to run (operationName).")
    if operation.operation is OperationType.SUBSCRIPTION:
        return request_error("Subscriptions are not supported.")
    if operation.operation is OperationType.MUTATION and not allow_mutations:
        return request_error("Mutations are only accepted in a POST request.", status=405)
    viewer = user if user is not None else getattr(request, "user", None)
    signed_in = bool(viewer is not None and viewer.is_authenticated)
    limit_errors = check_limits(schema, parsed, operation, variables, signed_in=signed_in)
    if limit_errors:
        return _invalid_result(limit_errors)
    context = GraphQLContext(request, viewer)
    context.token_scopes = token_scopes
    context.operation_type = operation.operation.value
    # Counting aborts queries only: a mutation that has written must say so (its payload is bounded).
    guard = ExecutionGuard(configured_limits().budget(signed_in),
                           counting=operation.operation is OperationType.QUERY)
    return _run(schema, parsed, operation, context, variables, guard)


def _run(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
         context: GraphQLContext, variables: dict[str, Any] | None, guard: ExecutionGuard) -> OperationResult:
    try:
        result = execute(schema, document, context_value=context, variable_values=variables,
                         operation_name=operation.name.value if operation.name else None, middleware=[guard],
                         execution_context_class=EXECUTION_CONTEXT)
    except DATABASE_DOWN:
        return outage()
    assert isinstance(result, ExecutionResult)  # the schema has no async resolvers
    if guard.exceeded:
        return request_error(guard.message())
    errors = result.errors or []
    if any(isinstance(e.original_error, DATABASE_DOWN) for e in errors):
        return outage()
    formatted = [mask_error(e) for e in errors]
    # Variables that do not fit are refused before execution (no path): a bad request. Once fields ran,
    # the answer is 200 with whatever data and errors it has (GraphQL over HTTP).
    started = result.data is not None or any(e.path for e in errors)
    status = 200 if started else 400
    return OperationResult(data=result.data, errors=formatted, status=status)
