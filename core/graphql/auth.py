"""Who is asking: a bearer token alone, or the session (with CSRF).

A request with an `Authorization` header is authenticated by that token alone: no session, no CSRF
(it carries no ambient credential a forged page could use). Any other request uses the session; when
it carries the session cookie it must pass Django's CSRF check. A request with neither is anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from oauth2_provider.oauth2_backends import get_oauthlib_core


class Unauthenticated(Exception):
    """The Authorization header is malformed, or its token unknown, expired or revoked."""


class CsrfFailed(Exception):
    """A session request without a valid CSRF token."""


@dataclass(frozen=True)
class Viewer:
    user: Any  # settings.AUTH_USER_MODEL, or None
    token_scopes: frozenset[str] | None  # None: session or anonymous


def _token_user(request: HttpRequest) -> Viewer:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    user = getattr(oauth_request, "user", None) if valid else None
    if user is None or not user.is_active:
        raise Unauthenticated
    access_token = getattr(oauth_request, "access_token", None)
    scopes = frozenset((getattr(access_token, "scope", "") or "").split())
    return Viewer(user=user, token_scopes=scopes)


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()  # never called: only the CSRF check of the middleware is used


def _csrf_ok(request: HttpRequest) -> bool:
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return True
    check = CsrfViewMiddleware(_no_response)
    return check.process_view(request, _no_response, (), {}) is None


def authenticate(request: HttpRequest) -> Viewer:
    """The viewer of this request; sets `request.user` accordingly.

    Raises Unauthenticated for a bad token, CsrfFailed for a cookie-carrying request without CSRF.
    """
    if "HTTP_AUTHORIZATION" in request.META:
        viewer = _token_user(request)
        request.user = viewer.user  # type: ignore[assignment]
        return viewer
    if settings.SESSION_COOKIE_NAME in request.COOKIES and not _csrf_ok(request):
        raise CsrfFailed
    user = getattr(request, "user", None)
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Viewer(user=None, token_scopes=None)
    return Viewer(user=user, token_scopes=None)
