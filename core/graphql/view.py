"""`/graphql/`: POST with a JSON body `{query, variables, operationName}`, one operation per request.

Refused: other content types (form-encoded bodies included), GET (GraphiQL is served on GET only with
DEBUG), batches (a JSON list), bodies over MAX_BODY_BYTES. A bad token is HTTP 401 UNAUTHENTICATED; a
session request without CSRF is HTTP 403 PERMISSION_DENIED; the database down is HTTP 503 UNAVAILABLE.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from core.errors import ErrorCode

from .auth import CsrfFailed, Unauthenticated, authenticate
from .execution import DATABASE_DOWN, OperationResult, execute_operation, outage, request_error

MAX_BODY_BYTES = 100_000
# GraphiQL (debug only): POSTs JSON with the session's CSRF token, like any web client. Every file
# comes from the app's static files (frontend/static/vendor/graphiql: no CDN, intranets have no
# internet) and nothing is inline, so the page passes the Content-Security-Policy.
GRAPHIQL_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>GraphiQL</title>
<link rel="stylesheet" href="{css}"><link rel="stylesheet" href="{page_css}"></head>
<body><div id="graphiql" data-endpoint="{endpoint}" data-csrf="{csrf}"></div>
<script src="{react}"></script><script src="{react_dom}"></script><script src="{graphiql}"></script>
<script src="{init}"></script></body></html>"""


def graphiql_page(request: HttpRequest) -> HttpResponse:
    vendor = "vendor/graphiql/"
    return HttpResponse(GRAPHIQL_PAGE.format(
        css=escape(static(vendor + "graphiql.min.css")), page_css=escape(static("frontend/graphiql.css")),
        react=escape(static(vendor + "react.production.min.js")),
        react_dom=escape(static(vendor + "react-dom.production.min.js")),
        graphiql=escape(static(vendor + "graphiql.min.js")), init=escape(static("frontend/graphiql.js")),
        endpoint=escape(request.path), csrf=escape(get_token(request))))


_ENCODER = DjangoJSONEncoder()


def _json_default(value: Any) -> Any:
    """What orjson leaves to us: lazy translations in messages, and instants as Django writes them."""
    return _ENCODER.default(value)


def _respond(result: OperationResult) -> HttpResponse:
    # orjson: a week of slots is 100 kB of JSON, which the standard library took a twelfth of the request to write
    body = orjson.dumps(result.as_dict(), default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    response = HttpResponse(body, status=result.status, content_type="application/json")
    for name, value in result.headers.items():
        response[name] = value
    if result.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _body(request: HttpRequest) -> dict[str, Any] | OperationResult:
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return request_error("Send the operation as JSON (Content-Type: application/json).", status=415)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        return request_error("The request body is too large.", status=413)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return request_error("The body is not valid JSON.")
    if isinstance(body, list):
        return request_error("Batched operations are not supported; send one operation per request.")
    if not isinstance(body, dict):
        return request_error("The body must be a JSON object with `query`.")
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        return request_error("`query` must be a non-empty string.")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return request_error("`variables` must be an object.")
    name = body.get("operationName")
    if name is not None and not isinstance(name, str):
        return request_error("`operationName` must be a string.")
    return {"query": query, "variables": variables, "operationName": name}


@csrf_exempt  # CSRF is checked in `authenticate` for session requests only (bearer requests have none)
def graphql_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and settings.DEBUG and "text/html" in request.META.get("HTTP_ACCEPT", ""):
        return graphiql_page(request)
    if request.method != "POST":
        response = _respond(request_error("Send operations with POST.", status=405))
        response["Allow"] = "POST"
        return response
    body = _body(request)
    if isinstance(body, OperationResult):
        return _respond(body)
    try:
        viewer = authenticate(request)
    except Unauthenticated:
        return _respond(request_error("The access token is missing, invalid, expired or revoked.",
                                      ErrorCode.UNAUTHENTICATED, 401))
    except CsrfFailed:
        return _respond(request_error("The CSRF token is missing or wrong.", ErrorCode.PERMISSION_DENIED, 403))
    except DATABASE_DOWN:
        return _respond(outage())
    result = execute_operation(request, body["query"], body["variables"], body["operationName"],
                               user=viewer.user, token_scopes=viewer.token_scopes)
    return _respond(result)
