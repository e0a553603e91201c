"""The base of every mutation: one `input`, a payload with `errors: [UserError!]!`.

`mutation_field()` builds the root field and wraps the handler with what every mutation needs, in order:
authentication (UNAUTHENTICATED), the token's `write` scope (PERMISSION_DENIED), the per-user rate
limit (RATE_LIMITED with `until`), then the handler; a `ServiceError` becomes the payload's errors.
Handlers parse input, check permission and call services; they never write models themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _
from graphql import GraphQLResolveInfo as Info

from core.errors import ErrorCode, ServiceError, UserError

from . import ratelimit

Handler = Callable[[Info, Any], dict[str, Any]]


def refuse(code: ErrorCode, message: Any, field: str | None = None) -> ServiceError:
    return ServiceError.of(code, message, field)


def mutation_field(name: str, payload: type[graphene.ObjectType], input_type: type[graphene.InputObjectType],
                   handler: Handler, *, defaults: dict[str, Any] | None = None,
                   description: str | None = None) -> graphene.Field:
    defaults_given = dict(defaults or {})

    def resolve(root: Any, info: Info, input: Any) -> graphene.ObjectType:
        def refused(errors: list[UserError]) -> graphene.ObjectType:
            values = {k: (v(info) if callable(v) else v) for k, v in defaults_given.items()}
            return payload(errors=errors, **values)

        context = info.context
        user = context.user
        if user is None:
            return refused([UserError(ErrorCode.UNAUTHENTICATED, _("Sign in to do this."))])
        if context.token_scopes is not None and "write" not in context.token_scopes:
            return refused([UserError(ErrorCode.PERMISSION_DENIED, _("This access token may only read."))])
        until = ratelimit.hit(key=f"user:{user.pk}", now=context.now)
        if until is not None:
            return refused([UserError(ErrorCode.RATE_LIMITED, _("Too many requests; try again later."),
                                      until=until)])
        try:
            values = handler(info, input)
        except ServiceError as exc:
            return refused(list(exc.errors))
        plain = {k: v for k, v in defaults_given.items() if k not in values and not callable(v)}
        return payload(errors=[], **plain, **values)

    return graphene.Field(graphene.NonNull(payload), input=graphene.Argument(graphene.NonNull(input_type)),
                          resolver=resolve, name=name, description=description)
