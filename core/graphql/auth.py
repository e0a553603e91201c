"""Who is asking: a bearer token alone, or the session (with CSRF).

A request with an `Authorization` header is authenticated by that token alone: no session, no CSRF
(it carries no ambient credential a forged page could use). Any other request uses the session; when
it carries the session cookie it must pass Django's CSRF check. A request with neither is anonymous.

A verified token is kept briefly in this process by its SHA-256 (`BEARER_TOKEN_CACHE_SECONDS`, 5 by
default; 0 turns it off): verifying one through oauthlib costs about 4 ms, a hit a few microseconds.
The user's memberships (their roles and communities) are kept with it, read once when it is verified.
Its expiry is checked on every hit; a revocation, a deactivated account, a changed scope or a changed
membership elsewhere is honoured within those seconds, and at once in this process after
`forget_tokens_of(user_id)` (called on commit of any change to a user's memberships, and by
`deleteMyData`). Each request gets its own copy of the cached user and of its list of memberships.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import CharField
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.settings import oauth2_settings

from core.db.prepared import Param, Prepared


class Unauthenticated(Exception):
    """The Authorization header is malformed, or its token unknown, expired or revoked."""


class CsrfFailed(Exception):
    """A session request without a valid CSRF token."""


@dataclass(frozen=True)
class Viewer:
    user: Any  # settings.AUTH_USER_MODEL, or None
    token_scopes: frozenset[str] | None  # None: session or anonymous


TOKEN_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class _Verified:
    user: Any  # a pristine copy, never handed out itself
    scopes: frozenset[str]
    expires: Any  # the token's expiry (aware datetime)
    until: float  # time.monotonic() after which it is verified again
    roles: tuple[Any, ...] | None = None  # the user's memberships when verified (`User._memberships()`)


class _TokenCache:
    """Verified tokens by SHA-256, for BEARER_TOKEN_CACHE_SECONDS; thread-safe, bounded."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, _Verified] = OrderedDict()

    def get(self, digest: str) -> _Verified | None:
        with self.lock:
            entry = self.entries.get(digest)
            if entry is None:
                return None
            if entry.until <= time.monotonic() or entry.expires <= timezone.now():
                del self.entries[digest]
                return None
            return entry

    def put(self, digest: str, entry: _Verified) -> None:
        with self.lock:
            self.entries[digest] = entry
            while len(self.entries) > TOKEN_CACHE_SIZE:
                self.entries.popitem(last=False)

    def forget_user(self, user_id: Any) -> None:
        with self.lock:
            for digest in [d for d, e in self.entries.items() if e.user.pk == user_id]:
                del self.entries[digest]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_tokens = _TokenCache()


def forget_tokens_of(user_id: Any) -> None:
    """Drops this process's cached tokens of a user (their tokens were revoked or the account closed)."""
    _tokens.forget_user(user_id)


def _cache_seconds() -> float:
    return float(getattr(settings, "BEARER_TOKEN_CACHE_SECONDS", 5))


TOKEN_BY_CHECKSUM = Prepared(lambda _: AccessToken.objects.select_related("user").filter(
    token_checksum=Param("checksum", CharField())).order_by("pk")[:1])  # compiled once (core/db/prepared.py)


def _plain_token(request: HttpRequest, digest: str) -> Any:
    """The token's row when the plain case decides it exactly as django-oauth-toolkit's
    `validate_bearer_token` would (found by its checksum, not expired, no resource indicators, the
    stock Application model, no introspection server, no token in the query string); None otherwise,
    and for an unknown or expired token (oauthlib then gives the answer). Saves oauthlib's request
    building, about 2 ms of a cache miss."""
    if ("access_token" in request.GET or oauth2_settings.RESOURCE_SERVER_INTROSPECTION_URL
            or oauth2_settings.APPLICATION_MODEL != "oauth2_provider.Application"):
        return None
    token = TOKEN_BY_CHECKSUM.first(None, {"checksum": digest})
    if token is None or not token.is_valid([]) or token.resource:
        return None
    return token


def _token_user(request: HttpRequest) -> Viewer:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()  # the token exactly as oauthlib reads it
    seconds = _cache_seconds()
    entry = _tokens.get(digest) if seconds > 0 else None
    if entry is not None:
        user = copy.copy(entry.user)
        if entry.roles is not None:
            user._membership_cache = list(entry.roles)
        return Viewer(user=user, token_scopes=entry.scopes)
    access_token = _plain_token(request, digest)
    if access_token is None:  # a case the plain check does not decide: oauthlib's whole path
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
        access_token = getattr(oauth_request, "access_token", None) if valid else None
    user = getattr(access_token, "user", None)
    if user is None or not user.is_active:
        raise Unauthenticated
    scopes = frozenset((getattr(access_token, "scope", "") or "").split())
    expires = getattr(access_token, "expires", None)
    if seconds > 0 and expires is not None:
        pristine = copy.copy(user)
        roles = pristine.__dict__.pop("_membership_cache", None)
        memberships = getattr(user, "_memberships", None)
        if roles is None and callable(memberships):
            roles = memberships()  # read once now, kept with the token (the request reads them anyway)
        _tokens.put(digest, _Verified(user=pristine, scopes=scopes, expires=expires,
                                      until=time.monotonic() + seconds,
                                      roles=tuple(roles) if roles is not None else None))
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
