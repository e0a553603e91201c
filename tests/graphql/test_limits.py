"""Abuse limits (docs/ARCHITECTURE.md): each is refused with code INVALID before any SQL runs; graphql-core's
own rules still apply; introspection only with DEBUG."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import Api

pytestmark = pytest.mark.django_db


def refused_before_sql(api: Api, query: str, variables: dict | None = None) -> str:
    """Asserts a 400 with only INVALID codes and no SQL; returns the messages joined."""
    with CaptureQueriesContext(connection) as queries:
        answer = api.post(query, variables)
    assert answer.status == 400, answer.body
    assert answer.data is None
    assert len(queries) == 0, [q["sql"] for q in queries]
    assert answer.codes and set(answer.codes) == {"INVALID"}
    return " ".join(e["message"] for e in answer.errors)


def test_depth_limit(api: Api) -> None:
    # given a query nested 14 levels
    deep = "{ resources { edges { node { unit { resources { unit { resources { unit { resources { unit { subdistrict { communities { name } } } } } } } } } } } } }"  # noqa: E501
    # then
    assert "nested too deeply" in refused_before_sql(api, deep)


def test_alias_limit(api: Api) -> None:
    aliases = " ".join(f"a{i}: subdistricts {{ name }}" for i in range(21))
    assert "too many aliases" in refused_before_sql(api, "{ " + aliases + " }")


def test_root_field_limit(api: Api) -> None:
    fields = " ".join(["me { id }"] * 21)  # identical fields merge in execution but count here
    assert "too many root fields" in refused_before_sql(api, "{ " + fields + " }")


def test_node_cost_limit(api: Api) -> None:
    # 100 resources x 100 allocations via matchRuns -> far beyond the node budget
    query = "{ matchRuns(first: 100) { edges { node { allocations(first: 100) { edges { node { resource { unit { resources { name } } } } } } } } } }"  # noqa: E501
    assert "too many objects" in refused_before_sql(api, query)


@pytest.mark.parametrize("first", [101, -1])
def test_first_must_be_0_to_100(api: Api, first: int) -> None:
    assert refused_before_sql(api, "query($f: Int) { resources(first: $f) { totalCount } }", {"f": first})


def test_token_limit(api: Api) -> None:
    query = "{ me { " + " ".join(["id"] * 4000) + " } }"
    assert "token" in refused_before_sql(api, query).lower()


def test_introspection_is_refused_without_debug(api: Api) -> None:
    assert "introspection" in refused_before_sql(api, "{ __schema { types { name } } }").lower()


def test_introspection_works_with_debug(api: Api, settings: object) -> None:
    # given
    settings.DEBUG = True  # type: ignore[attr-defined]
    # when
    answer = api.post("{ __schema { queryType { name } } }")
    # then
    assert answer.data == {"__schema": {"queryType": {"name": "Query"}}}


def test_graphiql_is_served_only_with_debug(settings: object) -> None:
    from django.test import Client

    assert Client().get("/graphql/", HTTP_ACCEPT="text/html").status_code == 405
    settings.DEBUG = True  # type: ignore[attr-defined]
    page = Client().get("/graphql/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"GraphiQL" in page.content


@pytest.mark.parametrize("query", [
    "{ unknownField }",                                   # FieldsOnCorrectTypeRule
    "{ resources { edges { node { name } } } } { me { id } }",  # anonymous operations must be alone
    "query($x: Int) { me { id } }",                        # NoUnusedVariablesRule
    "{ subdistricts }",                                    # ScalarLeafsRule
    "{ resources(first: \"x\") { totalCount } }",          # ValuesOfCorrectTypeRule
    "query { me { ...F } } fragment F on User { ...G } fragment G on User { ...F }",  # NoFragmentCycles
])
def test_graphql_cores_own_rules_still_apply(api: Api, query: str) -> None:
    refused_before_sql(api, query)


def test_syntax_errors_are_coded(api: Api) -> None:
    assert "Syntax Error" in refused_before_sql(api, "{ me { ")


def test_a_naive_datetime_is_invalid(api: Api) -> None:
    query = "query($f: DateTime) { myBookings(from: $f) { totalCount } }"
    answer = api.post(query, {"f": "2026-05-04T12:00:00"})
    assert answer.status == 400 and answer.codes == ["INVALID"]
    ok = api.post(query, {"f": "2026-05-04T12:00:00+08:00"})
    assert ok.status == 200 and ok.data == {"myBookings": {"totalCount": 0}}
