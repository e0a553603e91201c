"""The cost limit bounds what is really returned (issue 11, item 1).

- For random documents over the schema, run against a district whose lists are longer than any
  "typical" guess (a subdistrict with 20 communities, a resource with a month of slots), the
  estimate is never below the number of fields the answer really holds.
- The nested `subdistricts { communities { subdistrict { communities ... } } }` query is refused.
- Anonymous requests have a smaller budget; a wrong estimate is caught while executing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
    get_operation_ast,
    parse,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.services.availability import set_opening_hours
from booking.services.hours import WindowSpec
from config.schema import schema
from core.graphql import limits
from tests.factories import CommunityFactory, ResourceFactory, SubdistrictFactory, WorkUnitFactory

from .conftest import Api
from .world import NOW, World

pytestmark = pytest.mark.django_db

GRAPHQL = schema.graphql_schema
NESTED = "{ subdistricts { communities { subdistrict { communities { subdistrict { communities { name } } } } } } }"
FROM_DT = "2026-11-30T00:00:00+08:00"
TO_DT = st.sampled_from(["2026-12-01T00:00:00+08:00", "2026-12-07T00:00:00+08:00", "2026-12-31T00:00:00+08:00"])
FROM_D = "2026-11-01"
TO_D = st.sampled_from(["2026-11-30", "2026-12-31", "2027-10-31"])
FIRST = st.sampled_from([None, 0, 1, 3, 20, 100])


def _literal(data: st.DataObject, arg: str, type_: Any, ids: list[str]) -> str | None:
    named = get_named_type(type_)
    if named.name == "DateTime":
        return '"' + (FROM_DT if arg == "from" else data.draw(TO_DT)) + '"'
    if named.name == "Date":
        return '"' + (FROM_D if arg in ("from", "date") else data.draw(TO_D)) + '"'
    if named.name == "GeoPointInput":
        return "{lat: 39.91, lon: 116.36}"
    if named.name == "ID":
        return '"' + data.draw(st.sampled_from(ids)) + '"'
    if arg == "first":
        first = data.draw(FIRST)
        return None if first is None else str(first)
    return None


def _selection(data: st.DataObject, type_: GraphQLObjectType, depth: int, ids: list[str]) -> str:
    parts = []
    names = sorted(type_.fields)
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=6, unique=True))
    for name in chosen:
        field = type_.fields[name]
        named = get_named_type(field.type)
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            continue
        args = []
        skip = False
        for arg_name, arg in field.args.items():
            value = _literal(data, arg_name, arg.type, ids)
            if value is None and isinstance(arg.type, GraphQLNonNull):
                skip = True
            elif value is not None:
                args.append(f"{arg_name}: {value}")
        if skip:
            continue
        call = name + (f"({', '.join(args)})" if args else "")
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(call)
        elif isinstance(named, GraphQLObjectType) and depth < 6:
            parts.append(f"{call} {_selection(data, named, depth + 1, ids)}")
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def _fields_in(value: Any) -> int:
    """Every field of every object in an answer (what the estimate counts)."""
    if isinstance(value, dict):
        return sum(1 + _fields_in(v) for k, v in value.items() if not k.startswith("__"))
    if isinstance(value, list):
        return sum(_fields_in(v) for v in value)
    return 0


@pytest.fixture
def long_lists(world: World) -> World:
    # lists longer than the old flat guess of 10: 20 communities in a subdistrict, a month of slots
    crowded = SubdistrictFactory(name="广安门外")
    for i in range(20):
        CommunityFactory(name=f"第{i}社区", subdistrict=crowded)
    unit = WorkUnitFactory(name="Z医院", subdistrict=crowded)
    hall = ResourceFactory(name="Z浴室", unit=unit, capacity=5)
    windows = [WindowSpec(weekdays=(0, 1, 2, 3, 4, 5, 6), start_time=dt.time(h), end_time=dt.time(h + 1))
               for h in range(7, 19)]
    set_opening_hours(actor=None, resource=hall, windows=windows, now=NOW)
    return world


def _ids(world: World) -> list[str]:
    return [world.gid(o) for o in (world.canteen, world.unit_x, world.community_a, world.need, world.run)]


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_estimate_is_never_below_what_is_returned(api: Api, long_lists: World, data: st.DataObject) -> None:
    query_type = GRAPHQL.query_type
    assert query_type is not None
    roots = sorted(n for n in query_type.fields if n != "node")
    root = data.draw(st.sampled_from(roots))
    text = "{ " + _selection_of_root(data, query_type, root, _ids(long_lists)) + " }"
    document = parse(text)
    operation = get_operation_ast(document)
    assert operation is not None
    estimated = limits.estimate(GRAPHQL, document, operation, {})
    answer = api.post(text, as_user=long_lists["staff"])
    if answer.status != 200:
        assert set(answer.codes) == {"INVALID"}, answer.body
        return
    returned = _fields_in(answer.data)
    assert returned <= estimated, (text, returned, estimated)


def _selection_of_root(data: st.DataObject, query_type: GraphQLObjectType, root: str, ids: list[str]) -> str:
    wrapper = GraphQLObjectType("Root", {root: query_type.fields[root]})
    return _selection_with(data, wrapper, ids)


def _selection_with(data: st.DataObject, type_: GraphQLObjectType, ids: list[str]) -> str:
    return _selection(data, type_, 0, ids)[2:-2] or "__typename"


def test_a_month_of_slots_is_estimated_by_its_real_bound(api: Api, long_lists: World) -> None:
    # given a resource with 12 windows a day: a month holds 12 x 31 slots, not 10
    text = ('{ resources(first: 5) { edges { node { slots(from: "2026-11-30T00:00:00+08:00", '
            'to: "2026-12-31T00:00:00+08:00") { id start } } } } }')
    document = parse(text)
    operation = get_operation_ast(document)
    assert operation is not None
    answer = api.post(text, as_user=long_lists["staff"])
    assert answer.status == 200, answer.body
    assert _fields_in(answer.data) <= limits.estimate(GRAPHQL, document, operation, {})


@pytest.mark.parametrize("role", ["anonymous", "resident_a", "staff"])
def test_the_nested_communities_query_is_refused(api: Api, long_lists: World, role: str) -> None:
    answer = api.post(NESTED, as_user=long_lists[role])
    assert answer.status == 400, answer.body
    assert answer.codes == ["INVALID"]
    assert "too many objects" in answer.errors[0]["message"]


def test_anonymous_requests_have_a_smaller_budget(api: Api, long_lists: World) -> None:
    # given a query estimated between the anonymous and the signed-in budget
    text = "{ subdistricts { id name communities { id name } } }"
    document = parse(text)
    operation = get_operation_ast(document)
    assert operation is not None
    cost = limits.estimate(GRAPHQL, document, operation, {})
    budget = limits.configured_limits()
    assert budget.max_nodes_anonymous < cost <= budget.max_nodes
    # then it runs signed in and is refused anonymously
    assert api.post(text, as_user=long_lists["resident_a"]).status == 200
    refused = api.post(text)
    assert refused.status == 400 and refused.codes == ["INVALID"]


def test_returned_objects_are_counted_while_executing(api: Api, long_lists: World, settings: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # given an estimate that is wrong (the second line of defence must catch it)
    monkeypatch.setattr(limits._Walker, "cost", lambda *args, **kwargs: 0)
    settings.GRAPHQL_LIMITS = {"max_nodes": 50}
    # when a query returns more than the budget
    answer = api.post("{ subdistricts { id name communities { id name } } }", as_user=long_lists["staff"])
    # then it is refused, coded, and without partial data
    assert answer.codes == ["INVALID"], answer.body
    assert answer.data is None
    assert "too many objects" in answer.errors[0]["message"]


def test_a_list_never_returns_more_than_its_declared_bound(api: Api, long_lists: World,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # given a declared bound of 3 communities per subdistrict
    monkeypatch.setitem(limits.LIST_BOUNDS, ("Subdistrict", "communities"), 3)
    answer = api.post("{ subdistricts { communities { name } } }", as_user=long_lists["staff"])
    assert answer.status == 200, answer.body
    assert max(len(s["communities"]) for s in answer.data["subdistricts"]) == 3


def test_every_list_of_objects_has_a_declared_bound() -> None:
    missing = []
    for type_ in GRAPHQL.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__") or type_.name.endswith("Connection"):
            continue
        for name, field in type_.fields.items():
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(inner, GraphQLList) and isinstance(get_named_type(inner), GraphQLObjectType):
                if limits.list_bound(type_.name, name, {}) is None:
                    missing.append(f"{type_.name}.{name}")
    assert not missing, missing
