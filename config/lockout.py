"""Password guessing, refused per account (django-axes; settings "Password guessing").

`lockout_response` is the answer to a locked-out sign-in: the sign-in page with a clear message
(HTTP 429) on /login/ and /admin/login/, a JSON error on the OAuth token endpoint. `TokenView`
throttles /o/token/: each failed token request counts against its client as a failed sign-in counts
against an account (a confidential client: its id, since its secret is what is guessed; a public
client, whose id every phone knows: its id from that address, so nobody can lock an app out for all).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any
from urllib.parse import unquote_plus

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from oauth2_provider import views as oauth_views
from oauth2_provider.models import get_application_model

TOKEN_PATH = "/o/token/"  # noqa: S105 - a path, not a secret
# Token requests that count as a failure: a wrong secret, a guessed code, verifier or refresh token.
COUNTED_ERRORS = {"invalid_client", "invalid_grant", "unauthorized_client", "invalid_request"}


def retry_after_seconds(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """Seconds until the lock-out of this account (or client) lifts; at least 1."""
    cool_off = get_cool_off(request)
    username = get_client_username(request, credentials)
    latest = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    if cool_off is None or latest is None:
        return 1
    return max(1, math.ceil((latest + cool_off - timezone.now()).total_seconds()))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    retry_after = retry_after_seconds(request, credentials)
    minutes = max(1, math.ceil(retry_after / 60))
    if request.path == TOKEN_PATH:
        response: HttpResponse = JsonResponse({
            "error": "access_denied",
            "error_description": "too many failed attempts for this client; try again later",
            "retry_after": retry_after,
        }, status=429)
    else:
        response = render(request, "frontend/login.html", {
            "form": AuthenticationForm(request), "locked_out": True, "minutes": minutes,
            "next": request.POST.get("next", ""),
        }, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _client_id(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded:
            return unquote_plus(decoded.split(":", 1)[0])[:100]
    return str(request.POST.get("client_id", ""))[:100]


def token_credentials(request: HttpRequest) -> dict[str, str]:
    """The 'account' a token request counts against (see the module's doc)."""
    client_id = _client_id(request)
    application = get_application_model().objects.filter(client_id=client_id).only("client_type").first()
    if application is not None and application.client_type == application.CLIENT_CONFIDENTIAL:
        return {"username": f"oauth-client:{client_id}"}
    return {"username": f"oauth-client:{client_id}@{get_client_ip_address(request) or '-'}"}


class TokenView(oauth_views.TokenView):
    """django-oauth-toolkit's token endpoint, with failures throttled like sign-ins."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        credentials = token_credentials(request)
        if not AxesProxyHandler.is_allowed(request, credentials):
            return lockout_response(request, None, credentials)
        response = super().post(request, *args, **kwargs)
        if response.status_code in (400, 401):
            try:
                error = json.loads(response.content).get("error")
            except (ValueError, AttributeError):
                error = None
            if error in COUNTED_ERRORS:
                user_login_failed.send(sender=type(self), credentials=credentials, request=request)
        return response
