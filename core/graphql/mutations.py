"""The base of every mutation: one `input`, a generated payload with `errors: [UserError!]!`.

`mutation_field(name, input_type, handler, returns={...})` builds the root field and its payload type
`<Name>Payload` (the API's naming) from `returns`: a type `T` is a nullable `T` field, a list
`[T]` is `[T!]!` (empty when refused), and anything else is used as the field's GraphQL type. The
resolver wraps the handler with what every mutation needs, in order: authentication
(UNAUTHENTICATED), the token's `write` scope (PERMISSION_DENIED), the per-user rate limit
(RATE_LIMITED with `until`), then the handler; a `ServiceError` becomes the payload's errors.
Handlers parse input, check permission and call services; they never write models themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _
from graphql import GraphQLResolveInfo as Info

from core.errors import ErrorCode, ErrorCollector, ServiceError, UserError
from core.inputs import TextRule, text_problem

from . import ratelimit
from .errors import errors_field
from .limits import declare_list_bound

Handler = Callable[[Info, Any], dict[str, Any]]
ERRORS_MAX = 50  # a payload's `errors` (more are cut; a client fixes the first ones first)
PAYLOAD_LIST_MAX = 500  # any other list a payload returns (core.graphql.limits)


def _payload_field(spec: Any) -> tuple[Any, Any]:
    """The payload field for one `returns` entry, and its value when the mutation is refused."""
    if isinstance(spec, list):
        (item,) = spec
        return graphene.NonNull(graphene.List(graphene.NonNull(item))), []
    if isinstance(spec, type) and issubclass(spec, graphene.ObjectType):
        return graphene.Field(spec), None
    return spec, None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def payload_type(name: str, returns: dict[str, Any]) -> tuple[type[graphene.ObjectType], dict[str, Any]]:
    """`<Name>Payload` with the `returns` fields and `errors`, and the refused values of those fields."""
    fields: dict[str, Any] = {"errors": errors_field()}
    refused: dict[str, Any] = {}
    for field_name, spec in returns.items():
        fields[field_name], refused[field_name] = _payload_field(spec)
    type_name = f"{name[0].upper()}{name[1:]}Payload"
    declare_list_bound(type_name, "errors", ERRORS_MAX)
    for field_name, spec in returns.items():
        if isinstance(spec, list):
            declare_list_bound(type_name, _camel(field_name), PAYLOAD_LIST_MAX)
    return type(type_name, (graphene.ObjectType,), fields), refused


def mutation_field(name: str, input_type: type[graphene.InputObjectType], handler: Handler, *,
                   returns: dict[str, Any], defaults: dict[str, Any] | None = None,
                   description: str | None = None) -> graphene.Field:
    """The root field `name(input: <input_type>!): <Name>Payload!`. `defaults` give a refused call's values
    of non-null fields (a value, or a function of `info` for what is true now, e.g. an unread count)."""
    payload, refused_values = payload_type(name, returns)
    given = {**refused_values, **(defaults or {})}

    def resolve(root: Any, info: Info, input: Any) -> graphene.ObjectType:
        def refused(errors: list[UserError]) -> graphene.ObjectType:
            values = {k: (v(info) if callable(v) else v) for k, v in given.items()}
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
            clean_input(input_type, input)
            values = handler(info, input)
        except ServiceError as exc:
            return refused(list(exc.errors))
        plain = {k: v for k, v in given.items() if k not in values and not callable(v)}
        return payload(errors=[], **plain, **values)

    return graphene.Field(graphene.NonNull(payload), input=graphene.Argument(graphene.NonNull(input_type)),
                          resolver=resolve, name=name, description=description)


# Text fields named alike in every input (their column: marketplace.IdempotencyRecord.key).
SHARED_TEXT_RULES = {"idempotency_key": TextRule(100)}


def clean_input(input_type: Any, data: Any, path: str = "") -> None:
    """Every text of a mutation's input, once, before the handler runs (core.inputs): trimmed in place;
    INVALID on its field when it is too long for its column or holds a control character. An input
    type declares its fields' rules as `text_rules = {"note": rule_of(Booking, "note", multiline=True)}`;
    other texts (ids included) get the default rule."""
    errors = ErrorCollector()
    rules: dict[str, TextRule] = {**SHARED_TEXT_RULES, **getattr(input_type, "text_rules", {})}
    fields = getattr(getattr(input_type, "_meta", None), "fields", {}) or {}
    for name in list(data.keys()):
        value = data[name]
        field = f"{path}{_camel(name)}"
        rule = rules.get(name, TextRule())
        inner = _input_type_of(fields.get(name))
        if isinstance(value, str):
            _clean_one(data, name, value, rule, field, errors)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    _clean_one(value, index, item, rule, f"{field}.{index}", errors)
                elif isinstance(item, dict):
                    _collect(errors, inner, item, f"{field}.{index}.")
        elif isinstance(value, dict):
            _collect(errors, inner, value, f"{field}.")
    errors.raise_if_any()


def _collect(errors: ErrorCollector, input_type: Any, data: Any, path: str) -> None:
    try:
        clean_input(input_type, data, path)
    except ServiceError as exc:
        errors.errors.extend(exc.errors)


def _input_type_of(field: Any) -> Any:
    """The graphene input type under a field's NonNull and List wrappers (None when unknown)."""
    of = getattr(field, "type", None)
    while of is not None and hasattr(of, "of_type"):
        of = of.of_type
    return of


def _clean_one(container: Any, key: Any, value: str, rule: TextRule, field: str, errors: ErrorCollector) -> None:
    text, problem = text_problem(value, rule)
    if problem is not None:
        errors.add(ErrorCode.INVALID, problem, field)
        return
    container[key] = text
    if isinstance(key, str) and hasattr(container, key):
        setattr(container, key, text)


def input_fingerprint(data: Any) -> dict[str, Any]:
    """A mutation's input as plain JSON values without its idempotency key: what the same key must be
    sent with again (marketplace.services.idempotency compares it)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in sorted(value.items()) if k != "idempotency_key"}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return str(getattr(value, "value", value)) if value is not None else None

    return plain(dict(data))  # type: ignore[no-any-return]
