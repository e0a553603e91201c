"""Fuzzing through HTTP (hypothesis over the schema's own arguments, bounded and seeded): every root
query and mutation with generated variables — valid IDs of real objects, garbage IDs, naive and
malformed dates, extreme numbers, long texts — as every role. No answer is an HTTP 500, every error
carries a contract ErrorCode, and no bug reaches a client as "Internal server error"."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.schema import schema
from core.errors import ErrorCode

from .conftest import Api
from .world import ROLES, World

pytestmark = pytest.mark.django_db

CODES = {str(c) for c in ErrorCode}
GRAPHQL = schema.graphql_schema
QUERY_FIELDS = sorted(n for n in GRAPHQL.query_type.fields if n != "node")  # type: ignore[union-attr]
MUTATION_FIELDS = sorted(GRAPHQL.mutation_type.fields)  # type: ignore[union-attr]
TEXT = st.text(min_size=0, max_size=40) | st.sampled_from(["", "x" * 300, "' OR 1=1 --", "张三", "\x00", "<script>"])
DATETIMES = st.sampled_from(["2026-12-01T11:00:00+08:00", "2026-12-02T11:00:00+08:00", "2026-12-01T11:00:00",
                             "2026-12-01T03:00:00Z", "not a date", "9999-12-31T00:00:00+08:00",
                             "2026-11-30T00:00:00+08:00", "2027-06-01T00:00:00+08:00"])
DATES = st.sampled_from(["2026-12-01", "2026-12-31", "2026-11-30", "2027-12-31", "2026-02-30", "12/01/2026", "2025-01-01"])  # noqa: E501
TIMES = st.sampled_from(["11:00", "12:30:00", "25:00", "07:30", "x", "23:59"])
INTS = st.integers(min_value=-5, max_value=120) | st.sampled_from([0, 1, 2**31 - 1, -(2**31), 10_000, 100_000])


def selection(field: GraphQLField, depth: int = 0) -> str:
    """A small selection: scalar fields, ids of objects, errors of payloads."""
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLObjectType):
        return ""
    parts = []
    for name, sub in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in sub.args.values()):
            continue
        inner = get_named_type(sub.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif name in ("errors", "edges", "node") or (depth == 0 and isinstance(inner, GraphQLObjectType)):
            if depth < 3:
                nested = selection(sub, depth + 1)
                if nested:
                    parts.append(f"{name} {nested}")
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def value_for(type_: GraphQLInputType, ids: list[str], depth: int = 0) -> st.SearchStrategy[Any]:
    nullable = not isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        strategy: st.SearchStrategy[Any] = st.lists(value_for(inner.of_type, ids, depth + 1), max_size=3)
    elif isinstance(inner, GraphQLEnumType):
        strategy = st.sampled_from(sorted(inner.values)) | st.just("NOT_A_VALUE")
    elif isinstance(inner, GraphQLInputObjectType):
        fields = {name: value_for(f.type, ids, depth + 1) for name, f in inner.fields.items()} if depth < 3 else {}
        required = {n for n, f in inner.fields.items() if isinstance(f.type, GraphQLNonNull)}
        strategy = st.fixed_dictionaries({n: s for n, s in fields.items() if n in required},
                                         optional={n: s for n, s in fields.items() if n not in required})
    else:
        strategy = {
            "ID": st.sampled_from(ids) | TEXT,
            "Int": INTS,
            "Float": st.floats(allow_nan=False, allow_infinity=False, min_value=-200, max_value=200),
            "String": TEXT,
            "Boolean": st.booleans(),
            "DateTime": DATETIMES,
            "Date": DATES,
            "Time": TIMES,
        }.get(inner.name, TEXT)
    return st.none() | strategy if nullable else strategy


def operation(kind: str, name: str) -> tuple[str, dict[str, GraphQLInputType]]:
    root = GRAPHQL.query_type if kind == "query" else GRAPHQL.mutation_type
    field = root.fields[name]  # type: ignore[union-attr]
    args = {a: arg.type for a, arg in field.args.items()}
    declared = ", ".join(f"${a}: {t}" for a, t in args.items())
    call = ", ".join(f"{a}: ${a}" for a in args)
    text = f"{kind} Fuzz{('(' + declared + ')') if declared else ''} {{ {name}{('(' + call + ')') if call else ''} " \
           f"{selection(field)} }}"
    return text, args


def check(answer: Any) -> None:
    assert answer.status != 500, answer.body
    assert answer.status in (200, 400), answer.body
    for error in answer.errors:
        assert error.get("extensions", {}).get("code") in CODES, error
        assert error["message"] != "Internal server error", error
    data = answer.data or {}
    for payload in data.values():
        if isinstance(payload, dict) and "errors" in payload:
            for user_error in payload["errors"]:
                assert user_error.get("code") in CODES, user_error


def default_for(type_: GraphQLInputType, ids: list[str]) -> Any:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        return [default_for(inner.of_type, ids)]
    if isinstance(inner, GraphQLEnumType):
        return sorted(inner.values)[0]
    if isinstance(inner, GraphQLInputObjectType):
        return {n: default_for(f.type, ids) for n, f in inner.fields.items() if isinstance(f.type, GraphQLNonNull)}
    return {"ID": ids[0], "Int": 1, "Float": 39.9, "String": "x", "Boolean": True,
            "DateTime": "2026-12-02T11:00:00+08:00", "Date": "2026-12-01", "Time": "11:00"}.get(inner.name, "x")


def world_ids(world: World) -> list[str]:
    objects = [world.canteen, world.unit_x, world.unit_y, world.community_a, world.community_b, world.booking,
               world.need, world.run, world.allocation, world["resident_a"], world["resident_b"]]
    return [world.gid(o) for o in objects] + ["U2xvdDoxOjE3OTYwOTQwMDA=", "VXNlcjo5OTk5OTk5OTk5OTk5OTk5OTk5OQ=="]


FUZZ = settings(max_examples=int(__import__('os').environ.get('FUZZ_EXAMPLES', '60')), deadline=None, derandomize=True, database=None,  # noqa: E501
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "mutation"])
def test_fuzz_root_fields(api: Api, world: World, kind: str) -> None:
    ids = world_ids(world)
    names = QUERY_FIELDS if kind == "query" else MUTATION_FIELDS

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(names), label="field")
        role = data.draw(st.sampled_from(ROLES), label="role")
        text, args = operation(kind, name)
        variables = {a: data.draw(value_for(t, ids), label=a) for a, t in args.items()}
        answer = api.post(text, variables, as_user=world[role])
        seen.append(f"{name}:{answer.status}:{','.join(answer.codes) or 'ok'}")
        check(answer)

    seen: list[str] = []
    run()
    hit = {entry.split(":")[0] for entry in seen}
    assert len(hit) >= len(names) // 2, hit  # the fuzzer really reached the schema


@pytest.mark.parametrize("kind", ["query", "mutation"])
def test_every_root_field_answers_a_generated_operation(api: Api, world: World, kind: str) -> None:
    # a deterministic sweep: each root field once as district staff with no optional arguments
    names = QUERY_FIELDS if kind == "query" else MUTATION_FIELDS
    for name in names:
        text, args = operation(kind, name)
        required = {a: t for a, t in args.items() if isinstance(t, GraphQLNonNull)}
        variables = {a: default_for(t, world_ids(world)) for a, t in required.items()}
        check(api.post(text, variables, as_user=world["staff"]))
