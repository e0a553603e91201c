"""Compares our schema with the contract SDL: every type, field, argument, enum value and input field
of the contract must exist in ours with the same type (ours may add more)."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)

CONTRACT_CANDIDATES = [
    Path(__file__).resolve().parents[3] / "shared" / "api" / "contract.graphql",
    Path(__file__).resolve().parents[2] / "docs" / "contract.graphql",
]


def contract_path() -> Path | None:
    return next((p for p in CONTRACT_CANDIDATES if p.exists()), None)


def differences(contract: GraphQLSchema, ours: GraphQLSchema) -> list[str]:
    problems: list[str] = []
    for name, expected in contract.type_map.items():
        if name.startswith("__"):
            continue
        actual = ours.type_map.get(name)
        if actual is None:
            problems.append(f"missing type {name}")
            continue
        if type(actual) is not type(expected):
            problems.append(f"{name}: kind {type(actual).__name__} != {type(expected).__name__}")
            continue
        if isinstance(expected, GraphQLEnumType):
            assert isinstance(actual, GraphQLEnumType)
            for value in expected.values:
                if value not in actual.values:
                    problems.append(f"enum {name}: missing value {value}")
        elif isinstance(expected, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(actual, GraphQLObjectType | GraphQLInterfaceType)
            for iface in expected.interfaces:
                if iface.name not in {i.name for i in actual.interfaces}:
                    problems.append(f"{name}: does not implement {iface.name}")
            for fname, field in expected.fields.items():
                ours_field = actual.fields.get(fname)
                if ours_field is None:
                    problems.append(f"{name}.{fname}: missing")
                    continue
                if str(ours_field.type) != str(field.type):
                    problems.append(f"{name}.{fname}: {ours_field.type} != {field.type}")
                for aname, arg in field.args.items():
                    ours_arg = ours_field.args.get(aname)
                    if ours_arg is None:
                        problems.append(f"{name}.{fname}({aname}): missing argument")
                    elif str(ours_arg.type) != str(arg.type):
                        problems.append(f"{name}.{fname}({aname}): {ours_arg.type} != {arg.type}")
                for aname, arg in ours_field.args.items():
                    if aname not in field.args and str(arg.type).endswith("!"):
                        problems.append(f"{name}.{fname}({aname}): extra required argument")
        elif isinstance(expected, GraphQLInputObjectType):
            assert isinstance(actual, GraphQLInputObjectType)
            for fname, field in expected.fields.items():
                ours_field = actual.fields.get(fname)
                if ours_field is None:
                    problems.append(f"input {name}.{fname}: missing")
                elif str(ours_field.type) != str(field.type):
                    problems.append(f"input {name}.{fname}: {ours_field.type} != {field.type}")
            for fname, field in actual.fields.items():
                if fname not in expected.fields and str(field.type).endswith("!"):
                    problems.append(f"input {name}.{fname}: extra required field")
        elif isinstance(expected, GraphQLScalarType):
            pass
    return problems


def contract_schema() -> GraphQLSchema:
    path = contract_path()
    assert path is not None
    return build_schema(path.read_text(encoding="utf-8"))
