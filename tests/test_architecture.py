"""The house keeps its shape: no import cycles between modules, few function-local imports (each with
its reason), and the API's enums made from their one declaration. The layer order itself is checked by
import-linter's contracts in pyproject.toml (`lint-imports`, run by the test command)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest
from graphql import GraphQLEnumType

from config.schema import schema
from core import enums
from core.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[1]
APPS = ("core", "marketplace", "booking", "matching", "frontend", "config")
LOCAL_IMPORTS_MAX = 10


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_notices_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_another_that_imports_it_back() -> None:
    # given the import graph of the project's modules (function-local imports included)
    graph = grimp.build_graph(*APPS, cache_dir=None)
    modules = {m for m in graph.modules if ".migrations" not in m}
    edges = {m: {n for n in graph.find_modules_directly_imported_by(m) if n in modules} for m in modules}
    # a package's __init__ re-exporting its modules is not a cycle of logic
    edges = {m: {n for n in targets if not m.startswith(n + ".") and not n.startswith(m + ".")}
             for m, targets in edges.items()}
    # when / then
    assert _cycles(edges) == []


def _function_local_imports() -> list[tuple[str, int, str]]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.Import | ast.ImportFrom):
                            found.append((str(path.relative_to(ROOT)), inner.lineno, lines[inner.lineno - 1]))
    return found


def test_function_local_imports_are_few_and_each_says_why() -> None:
    local = _function_local_imports()
    assert len(local) <= LOCAL_IMPORTS_MAX, local
    without_reason = [(f, n) for f, n, line in local if "#" not in line]
    assert without_reason == []


@pytest.mark.parametrize("declared", [*enums.CONTRACT_ENUMS, ErrorCode], ids=lambda e: e.__name__)
def test_every_api_enum_is_made_from_its_one_declaration(declared: type) -> None:
    # given the schema's enum of that name
    graphql_enum = schema.graphql_schema.get_type(declared.__name__)
    assert isinstance(graphql_enum, GraphQLEnumType)
    # then its values are exactly the declaration's, and it is built from that very class
    assert list(graphql_enum.values) == [member.name for member in declared]
    assert graphql_enum.graphene_type._meta.enum is declared  # type: ignore[attr-defined]
