"""Bearer tokens for client apps: OAuth2 access tokens of django-oauth-toolkit.

`issue_token` makes a token for operators and tests (CLI.md `issue_token`); client apps use the
standard flows (authorization code with PKCE, refresh, revocation) against the same models.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_id
from oauth2_provider.models import AccessToken, Application, set_token_value
from oauthlib.common import generate_token

from marketplace.models import User

from . import audit

CLI_APPLICATION = "cli"


def cli_application() -> Application:
    """The confidential application that operator-issued tokens belong to (made on first use)."""
    app = Application.objects.filter(name=CLI_APPLICATION).first()
    if app is None:
        app = Application.objects.create(
            name=CLI_APPLICATION, client_id=generate_client_id(), client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, skip_authorization=True,
        )
    return app


@transaction.atomic
def issue_token(*, user: User, expires_days: int = 30, actor: User | None = None) -> str:
    """A new access token for `user`, valid for `expires_days` days; returns the token string. The token
    is stored as the library stores it (hashed at rest, RFC 9700): only its checksum is in the database,
    so the string returned here is the only copy."""
    raw = generate_token(40)
    token = AccessToken(user=user, application=cli_application(), scope="read write",
                        expires=timezone.now() + dt.timedelta(days=expires_days))
    set_token_value(token, raw)
    token.save()
    audit.record(actor=actor, action="token.issue", obj=user, data={"expires": token.expires.isoformat()})
    return raw
