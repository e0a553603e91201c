"""The web app's GraphQL documents: every one validates against the real schema, and stays inside the
API's limits, so the web app can do nothing a client app cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from core.graphql.execution import get_schema
from core.graphql.limits import configured_limits
from frontend.checks import check_documents
from frontend.operations import DOCUMENTS_DIR, load_documents, operations, validation_errors


def test_every_document_validates_against_the_schema():
    # given the project's schema and every operation in frontend/graphql
    schema = get_schema()
    ops = load_documents()
    assert len(ops) >= 40
    # when each is validated as it will be sent
    problems = {name: [e.message for e in validate(schema, parse(op.source))] for name, op in ops.items()}
    # then none has a problem
    assert {name: p for name, p in problems.items() if p} == {}


def test_each_operation_stays_under_the_token_limit():
    limit = configured_limits().max_tokens
    for name, op in load_documents().items():
        parse(op.source, max_tokens=limit)  # raises GraphQLError when over the limit
        assert op.name == name


def test_a_broken_document_is_reported_at_start_up(tmp_path: Path):
    # given a document asking for a field the schema does not have
    (tmp_path / "broken.graphql").write_text("query Broken { me { noSuchField } }")
    # when the documents are validated
    problems = validation_errors(directory=tmp_path)
    # then the problem names the file and the operation
    assert len(problems) == 1 and problems[0].startswith("broken.graphql Broken:")


def test_the_start_up_check_passes_and_the_cache_holds_every_operation():
    assert check_documents() == []
    assert set(operations()) == set(load_documents(DOCUMENTS_DIR))


def test_an_unnamed_operation_is_refused(tmp_path: Path):
    from django.core.exceptions import ImproperlyConfigured

    (tmp_path / "anon.graphql").write_text("query { me { id } }")
    with pytest.raises(ImproperlyConfigured):
        load_documents(tmp_path)
