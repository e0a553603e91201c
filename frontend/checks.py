"""Start-up check: the web app's GraphQL documents parse and validate against the schema."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from frontend.operations import validation_errors


def check_documents(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [Error(problem, hint="Fix the document in frontend/graphql/ to match the schema.", id="frontend.E001")
            for problem in validation_errors()]
