"""What every page shares: who the viewer is, the role gate, top-level error handling, form errors.

Views stay thin: parse the form, run a named GraphQL operation (`frontend.operations.run`), render.
A page the viewer's roles don't reach is a 404 (not a 403: it does not exist for them). An expired
session during an htmx request answers with HX-Redirect to the login page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from frontend import operations
from frontend.operations import OperationError

View = Callable[..., HttpResponse]


def viewer(request: HttpRequest) -> dict[str, Any] | None:
    """The `me` of the Viewer operation, once per request; None for anonymous visitors."""
    if not request.user.is_authenticated:
        return None
    if not hasattr(request, "_frontend_viewer"):
        request._frontend_viewer = operations.run(request, "Viewer").get("me")  # type: ignore[attr-defined]
    return request._frontend_viewer  # type: ignore[attr-defined]


def roles_of(request: HttpRequest) -> set[str]:
    me = viewer(request)
    return set(me["roles"]) if me else set()


def login_redirect(request: HttpRequest) -> HttpResponse:
    target = request.get_full_path()
    htmx = getattr(request, "htmx", None)
    if htmx:
        current = getattr(htmx, "current_url_abs_path", None) or "/"
        return HttpResponseClientRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': current})}")
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': target})}")


def error_page(request: HttpRequest, error: OperationError) -> HttpResponse:
    status = {"UNAVAILABLE": 503, "RATE_LIMITED": 429}.get(error.code or "", 500)
    response = render(request, "frontend/error.html", {"code": error.code, "status": status}, status=status)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    elif status == 503:
        response["Retry-After"] = "30"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 in the app's own page (also Django's handler404): no URL list, no debug page."""
    return render_page(request, "frontend/problem.html", {"status": 404}, status=404)


def bad_request(request: HttpRequest, message: str = "", exception: Exception | None = None) -> HttpResponse:
    """400 in the app's own page: the address carried something the page cannot use."""
    return render_page(request, "frontend/problem.html", {"status": 400, "message": message}, status=400)


def page(*roles: str, login: bool = True) -> Callable[[View], View]:
    """Declares a page: the roles that reach it (any of them; none = any signed-in user) and whether
    it needs a signed-in user at all. Turns top-level operation errors into the right answer."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if login and not request.user.is_authenticated:
                    return login_redirect(request)
                if roles and not roles_of(request) & set(roles):
                    return not_found(request)
                return view(request, *args, **kwargs)
            except Http404:
                return not_found(request)
            except (OperationalError, InterfaceError):
                # the database is down before or around the operation: the same answer the API gives
                return error_page(request, OperationError("UNAVAILABLE", "database unavailable"))
            except OperationError as error:
                if error.code == "UNAUTHENTICATED":
                    return login_redirect(request)
                if error.code in ("PERMISSION_DENIED", "NOT_FOUND"):
                    return not_found(request)
                if error.code in ("UNAVAILABLE", "RATE_LIMITED"):
                    return error_page(request, error)
                if error.code == "INVALID":
                    # a parameter of the address (a cursor, an id, a day) the API refused: say so, in the page
                    return bad_request(request, error.message)
                raise

        return wrapper

    return decorate


def found(node: Mapping[str, Any] | None, key: str = "id") -> Mapping[str, Any]:
    """A `node(id:)` the viewer may not see is null (or a node of another type): 404."""
    if not node or key not in node:
        raise Http404
    return node


def apply_errors(form: forms.Form, errors: Iterable[Mapping[str, Any]],
                 fields: Mapping[str, str] | None = None) -> None:
    """Puts each UserError next to the form field its dotted camelCase path names.

    `fields` maps a path prefix (`openingHours`, `input.plateNumber`...) to a form field; a path whose
    first segment is a form field goes there; anything else is a form-wide error.
    """
    mapping = dict(fields or {})
    for error in errors:
        path = (error.get("field") or "").removeprefix("input.")
        target = None
        for prefix in sorted(mapping, key=len, reverse=True):
            if path == prefix or path.startswith(prefix + "."):
                target = mapping[prefix]
                break
        if target is None:
            head = path.split(".")[0]
            target = head if head in form.fields else None
        message = error.get("message") or error.get("code") or ""
        form.add_error(target, message)


def render_page(request: HttpRequest, template: str, context: Mapping[str, Any] | None = None,
                status: int = 200) -> HttpResponse:
    ctx = {"me": viewer(request), "roles": roles_of(request), **(context or {})}
    return render(request, template, ctx, status=status)


def redirect_back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or default
    if not target.startswith("/") or target.startswith("//"):
        target = default
    return HttpResponseRedirect(target)
