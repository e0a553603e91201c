"""Subscriptions for the live transport (core/live/transport.py, named in `settings.LIVE_OPEN_OPERATION`).

The same rules as `/graphql/` (DESIGN.md "One way into the data"): the request is authenticated by
`auth.authenticate` (a bearer token alone, or the session with CSRF); the document is parsed, validated
and limited like any other (`execution.parse_and_validate`, `limits.check_limits`); errors are masked by
`execution.mask_error`. Only a subscription is accepted here, and only on this endpoint.

Each event is executed like a query, with the event as the root value, in a fresh context (fresh
dataloaders and clock) for the stream's viewer: the subscription field's resolver re-reads the object
through the viewer's scope, so nothing shown comes from the event itself.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    create_source_event_stream,
    execute,
    get_operation_ast,
)

from core.errors import ErrorCode

from .auth import CsrfFailed, Unauthenticated, authenticate
from .context import GraphQLContext
from .execution import (
    DATABASE_DOWN,
    OperationResult,
    _documents,
    get_schema,
    mask_error,
    outage,
    request_error,
)
from .limits import check_limits
from .sharing import StreamKeys, shared_of

MAX_BODY_BYTES = 100_000


@dataclass
class Refusal:
    """An answer instead of a stream: an HTTP error (`in_stream` False) or, for a document that cannot
    run, a `next` event with the errors followed by `complete` (graphql-sse: validation errors go through
    the accepted stream)."""
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    in_stream: bool = False

    @classmethod
    def of(cls, result: OperationResult, *, in_stream: bool = False) -> Refusal:
        headers = dict(result.headers)
        if result.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return cls(result.status, result.as_dict(), headers, in_stream)


def _errors(errors: list[Any]) -> dict[str, Any]:
    return {"data": None, "errors": [mask_error(e) for e in errors]}


@dataclass
class StreamOperation:
    """One validated subscription of one viewer."""
    request: HttpRequest
    user: Any
    token_scopes: frozenset[str] | None
    schema: GraphQLSchema
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any] | None
    language: str
    keys: StreamKeys | None = None  # set when the whole selection may share answers (sharing.py)

    def share_key(self, root: dict[str, Any], event: Any = None) -> Any:
        """Streams of equal keys get the same answer to `root` (core/live/sharing.py); None: not shared.
        `event` is the hub's identity of the event, which lets the key be remembered per event."""
        return self.keys.key(root, event) if self.keys is not None else None

    @property
    def user_key(self) -> str | None:
        return f"user:{self.user.pk}" if self.user is not None else None

    def _context(self) -> GraphQLContext:
        context = GraphQLContext(self.request, self.user)
        context.token_scopes = self.token_scopes
        context.operation_type = "subscription"
        return context

    async def source(self) -> AsyncIterable[Any] | dict[str, Any]:
        """The source event stream (the subscription field's `subscribe_…`), or an errors result."""
        with translation.override(self.language):
            stream = await create_source_event_stream(
                self.schema, self.document, None, self._context(), self.variables,
                self.operation.name.value if self.operation.name else None)
        if isinstance(stream, ExecutionResult):
            return _errors(stream.errors or [])
        return stream

    def execute(self, root: Any) -> dict[str, Any]:
        """The result for one event (synchronous: runs in the live worker pool)."""
        with translation.override(self.language):
            try:
                result = execute(self.schema, self.document, root_value=root, context_value=self._context(),
                                 variable_values=self.variables,
                                 operation_name=self.operation.name.value if self.operation.name else None)
            except DATABASE_DOWN:
                return outage().as_dict()
            assert isinstance(result, ExecutionResult)
            errors = result.errors or []
            if any(isinstance(e.original_error, DATABASE_DOWN) for e in errors):
                return outage().as_dict()
            body: dict[str, Any] = {"data": result.data}
            if errors:
                body["errors"] = [mask_error(e) for e in errors]
            return body


def _with_session(request: HttpRequest) -> None:
    """What SessionMiddleware and AuthenticationMiddleware do for a page, for the stream's request."""
    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    request.user = get_user(request)  # type: ignore[assignment]


def _body(request: HttpRequest) -> dict[str, Any] | Refusal:
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return Refusal.of(request_error("Send the operation as JSON (Content-Type: application/json).", status=415))
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return Refusal.of(request_error("The body is not valid JSON."))
    if not isinstance(body, dict):
        return Refusal.of(request_error("The body must be a JSON object with `query`."))
    query, variables, name = body.get("query"), body.get("variables"), body.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return Refusal.of(request_error("`query` must be a non-empty string."))
    if variables is not None and not isinstance(variables, dict):
        return Refusal.of(request_error("`variables` must be an object."))
    if name is not None and not isinstance(name, str):
        return Refusal.of(request_error("`operationName` must be a string."))
    return {"query": query, "variables": variables, "operationName": name}


def _keys(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, body: dict[str, Any],
          language: str, viewer: Any) -> StreamKeys | None:
    shared = shared_of(schema, document, operation)
    if shared is None:
        return None
    return StreamKeys(shared, text=body["query"], operation_name=operation.name.value if operation.name else None,
                      variables=body["variables"], language=language, token_scopes=viewer.token_scopes,
                      user=viewer.user)


def open_operation(request: HttpRequest) -> StreamOperation | Refusal:
    """Authenticates, parses, validates and limits one subscription request (synchronous)."""
    body = _body(request)
    if isinstance(body, Refusal):
        return body
    try:
        _with_session(request)
        viewer = authenticate(request)
    except Unauthenticated:
        return Refusal.of(request_error("The access token is missing, invalid, expired or revoked.",
                                        ErrorCode.UNAUTHENTICATED, 401))
    except CsrfFailed:
        return Refusal.of(request_error("The CSRF token is missing or wrong.", ErrorCode.PERMISSION_DENIED, 403))
    except DATABASE_DOWN:
        return Refusal.of(outage())
    language = translation.get_language_from_request(request)
    with translation.override(language):
        schema = get_schema()
        document, errors = _documents.get(body["query"], schema)
        if document is None:
            return Refusal(200, _errors(errors), in_stream=True)
        operation = get_operation_ast(document, body["operationName"])
        if operation is None:
            return Refusal.of(request_error("Name the operation to run (operationName)."), in_stream=True)
        if operation.operation is not OperationType.SUBSCRIPTION:
            return Refusal.of(request_error(gettext("Only subscriptions are served here; send queries and "
                                                    "mutations to /graphql/.")), in_stream=True)
        limit_errors = check_limits(schema, document, operation, body["variables"])
        if limit_errors:
            return Refusal(200, _errors(limit_errors), in_stream=True)
    return StreamOperation(request=request, user=viewer.user, token_scopes=viewer.token_scopes, schema=schema,
                           document=document, operation=operation, variables=body["variables"], language=language,
                           keys=_keys(schema, document, operation, body, language, viewer))
