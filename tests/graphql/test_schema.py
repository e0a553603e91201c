"""The schema keeps the contract: nothing missing or differently typed; schema.graphql does not drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, print_schema

from config.schema import schema

from .contract import contract_path, contract_schema, differences

ROOT = Path(__file__).resolve().parents[2]


def test_schema_has_everything_of_the_contract_with_the_same_types() -> None:
    # given
    if contract_path() is None:
        pytest.skip("the contract SDL is not available on this machine")
    ours = build_schema(print_schema(schema.graphql_schema))
    # when
    problems = differences(contract_schema(), ours)
    # then
    assert problems == []


def test_the_comparison_notices_a_missing_field() -> None:
    # given a contract with a field we do not have
    contract = build_schema("type Query { resources: Int  missingThing: String }")
    ours = build_schema("type Query { resources: Int }")
    # when
    problems = differences(contract, ours)
    # then
    assert problems == ["Query.missingThing: missing"]


def test_committed_schema_graphql_matches_the_generated_sdl() -> None:
    # given
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    # when
    generated = print_schema(schema.graphql_schema)
    # then: regenerate with `DJANGO_DEBUG=1 .venv/bin/python manage.py graphql_schema`
    assert committed.strip() == generated.strip()
