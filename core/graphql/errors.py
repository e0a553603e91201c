"""The error model's GraphQL types, exposed once: `ErrorCode` (from core.errors) and `UserError`.

Top-level errors carry `extensions.code` with an ErrorCode value; `coded_error()` makes one.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.utils.functional import Promise
from graphql import GraphQLError
from graphql import GraphQLResolveInfo as Info

from core.errors import ErrorCode, UserError

from .enums import ErrorCode as ErrorCodeEnum
from .scalars import DateTime


class UserErrorType(graphene.ObjectType):
    class Meta:
        name = "UserError"
        description = "A refusal: the dotted camelCase input path, a stable code and a localised message."

    field = graphene.String()
    code = graphene.NonNull(ErrorCodeEnum)
    message = graphene.NonNull(graphene.String)
    until = graphene.Field(DateTime)

    @staticmethod
    def resolve_code(root: UserError, info: Info) -> str:
        return str(root.code)

    @staticmethod
    def resolve_message(root: UserError, info: Info) -> str:
        return str(root.message)


def coded_error(code: ErrorCode, message: str | Promise, **extensions: Any) -> GraphQLError:
    """A top-level error with extensions.code (and any further extensions, e.g. `until`)."""
    return GraphQLError(str(message), extensions={"code": str(code), **extensions})


def errors_field() -> graphene.NonNull:
    return graphene.NonNull(graphene.List(graphene.NonNull(UserErrorType)))
