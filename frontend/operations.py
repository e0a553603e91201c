"""The web app's one way into the data: named GraphQL documents run by `execute_operation()`.

Every `frontend/graphql/*.graphql` file holds named operations (and fragments). They are parsed and
validated against the project's schema once per process (`operations()`, cached); an invalid document
is an ImproperlyConfigured error at the first use and a failed system check at start-up. Each operation
is sent alone (with the fragments it spreads), so the API's token and depth limits see what a client app
would send.

`run()` returns the `data` dict. Top-level errors become exceptions the views turn into pages:
UNAUTHENTICATED -> the login page (HX-Redirect for htmx), PERMISSION_DENIED/NOT_FOUND -> 404,
UNAVAILABLE/RATE_LIMITED -> an error page with the right status; anything else is a bug (500).
Mutation refusals are data: `payload_errors()` reads `errors: [UserError!]!` of a payload.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    parse,
    validate,
    visit,
)

from core.graphql import execute_operation

DOCUMENTS_DIR = Path(__file__).resolve().parent / "graphql"


@dataclass(frozen=True)
class Operation:
    name: str
    source: str  # the operation's own text followed by the fragments it uses
    path: Path


class OperationError(Exception):
    """A top-level GraphQL error: `code` is its extensions.code (an ErrorCode value) or None."""

    def __init__(self, code: str | None, message: str, retry_after: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after


def _graphql_schema() -> GraphQLSchema:
    dotted = str(settings.GRAPHENE["SCHEMA"])
    module_name, _, attr = dotted.rpartition(".")
    schema = getattr(importlib.import_module(module_name), attr)
    return getattr(schema, "graphql_schema", schema)


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.names.add(node.name.value)


def _spreads(node: Any) -> set[str]:
    collector = _SpreadCollector()
    visit(node, collector)
    return collector.names


def _split(path: Path, document: DocumentNode, text: str) -> list[Operation]:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    result = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.name is None:
            raise ImproperlyConfigured(f"{path.name}: every operation must be named")
        needed: list[str] = []
        todo = sorted(_spreads(definition))
        while todo:
            name = todo.pop()
            if name in needed or name not in fragments:
                continue
            needed.append(name)
            todo.extend(sorted(_spreads(fragments[name])))
        parts = [_text(text, definition)] + [_text(text, fragments[n]) for n in sorted(needed)]
        result.append(Operation(definition.name.value, "\n".join(parts), path))
    return result


def _text(text: str, node: Any) -> str:
    return text[node.loc.start:node.loc.end]


def load_documents(directory: Path = DOCUMENTS_DIR) -> dict[str, Operation]:
    """Parses every document file; operation names are unique across files."""
    found: dict[str, Operation] = {}
    for path in sorted(directory.glob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        for op in _split(path, parse(text), text):
            if op.name in found:
                raise ImproperlyConfigured(f"operation {op.name} is defined twice ({path.name})")
            found[op.name] = op
    return found


def validation_errors(schema: GraphQLSchema | None = None, directory: Path = DOCUMENTS_DIR) -> list[str]:
    """Every document problem against `schema` (default: the project's), as readable lines."""
    schema = schema or _graphql_schema()
    problems = []
    for op in load_documents(directory).values():
        for error in validate(schema, parse(op.source)):
            problems.append(f"{op.path.name} {op.name}: {error.message}")
    return problems


@lru_cache(maxsize=1)
def operations() -> dict[str, Operation]:
    """The validated operations, parsed once per process. Raises ImproperlyConfigured when invalid."""
    problems = validation_errors()
    if problems:
        raise ImproperlyConfigured("invalid GraphQL documents in frontend/graphql:\n" + "\n".join(problems))
    return load_documents()


def _execute(request: HttpRequest, source: str, variables: Mapping[str, Any], name: str) -> Any:
    return execute_operation(request, source, dict(variables), operation_name=name)


def _normalise(result: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]], dict[str, str]]:
    """Accepts the API's OperationResult, a graphql-core ExecutionResult or a {"data", "errors"} dict."""
    if isinstance(result, Mapping):
        return result.get("data"), [dict(e) for e in result.get("errors") or []], {}
    errors = []
    for error in getattr(result, "errors", None) or []:
        if isinstance(error, Mapping):
            errors.append(dict(error))
        else:
            formatted = getattr(error, "formatted", None)
            errors.append(dict(formatted) if formatted is not None else {"message": str(error)})
    return getattr(result, "data", None), errors, dict(getattr(result, "headers", None) or {})


def run(request: HttpRequest, name: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Runs one named operation as the request's user; returns `data` or raises OperationError."""
    op = operations().get(name)
    if op is None:
        raise KeyError(f"no GraphQL operation named {name}")
    cleaned = {k: v for k, v in (variables or {}).items() if v is not None}
    data, errors, headers = _normalise(_execute(request, op.source, cleaned, name))
    if errors:
        first = errors[0]
        extensions = first.get("extensions") or {}
        retry = str(headers.get("Retry-After", ""))
        raise OperationError(extensions.get("code"), str(first.get("message", "")),
                             int(retry) if retry.isdigit() else None)
    return data or {}


def payload_errors(payload: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return list((payload or {}).get("errors") or [])


# Global IDs in addresses: URL-safe base64 without padding, reversible for any ID the API hands out.
def slug(global_id: str) -> str:
    return global_id.replace("+", "-").replace("/", "_").rstrip("=")


def unslug(value: str) -> str:
    text = value.replace("-", "+").replace("_", "/")
    return text + "=" * (-len(text) % 4)

