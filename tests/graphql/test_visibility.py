"""One permission per type, wherever it appears: a match run reached through an allocation is hidden
from those who may not see match runs (as node(id:) of a MatchRun is null for them)."""

from __future__ import annotations

import pytest
from graphql import GraphQLObjectType, get_named_type

from config.schema import GUARDED_FIELDS, schema
from core.graphql.visibility import guard

from .conftest import Api
from .world import World

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ALLOCATIONS = "{ allocations { edges { node { id matchRun { id servedQuantity } } } } }"


def _restricted_type_names() -> set[str]:
    return {name for name, t in schema.graphql_schema.type_map.items()
            if getattr(getattr(t, "graphene_type", None), "restricted", False)}


def test_every_field_returning_a_restricted_type_is_guarded() -> None:
    # given every object field of the schema
    restricted = _restricted_type_names()
    assert "MatchRun" in restricted
    reaching = {f"{t.name}.{name}" for t in schema.graphql_schema.type_map.values()
                if isinstance(t, GraphQLObjectType) and not t.name.startswith(("__", "Subscription"))
                and not t.name.endswith("Edge")
                for name, field in t.fields.items() if get_named_type(field.type).name in restricted}
    # then each of them answers through the guard
    assert reaching == set(GUARDED_FIELDS)
    assert "Allocation.matchRun" in reaching


def test_a_non_null_field_of_a_restricted_type_is_refused_at_build_time() -> None:
    import graphene

    from matching.graphql.types import MatchRun

    class Query(graphene.ObjectType):
        run = graphene.NonNull(MatchRun)

    with pytest.raises(TypeError):
        guard(graphene.Schema(query=Query).graphql_schema)


@pytest.mark.parametrize(("role", "sees"), [("worker", False), ("admin_x", False), ("staff", True)])
def test_an_allocations_match_run_is_shown_only_to_district_staff(api: Api, world: World, role: str,
                                                                  sees: bool) -> None:
    # when
    answer = api.post(ALLOCATIONS, as_user=world[role])
    # then
    assert answer.errors == []
    runs = [edge["node"]["matchRun"] for edge in answer.data["allocations"]["edges"]]
    assert runs, "the role sees the allocation itself"
    assert all((run is not None) == sees for run in runs)
