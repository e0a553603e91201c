"""Marketplace reads through HTTP: subdistricts, communities, resources search, node, me."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from tests.factories import CommunityFactory, ResourceFactory, SubdistrictFactory, WorkUnitFactory, resident

from .conftest import Api

pytestmark = pytest.mark.django_db

RESOURCES = """
query($near: GeoPointInput, $radius: Int, $search: String, $category: ResourceCategory, $first: Int,
      $after: String, $unit: ID, $accessible: Boolean) {
  resources(near: $near, radiusM: $radius, search: $search, category: $category, first: $first, after: $after,
            unit: $unit, accessible: $accessible) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id name category unit { name } subdistrict { name } distanceM(from: {lat:
      39.9, lon: 116.37}) } }
  }
}"""


def names(answer: object) -> list[str]:
    return [e["node"]["name"] for e in answer.data["resources"]["edges"]]  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_resources_with_near_are_ordered_nearest_first_within_the_radius(api: Api) -> None:
    # given three resources at 0.1 km, 1.1 km and 11 km north of the point
    unit = WorkUnitFactory()
    ResourceFactory(name="far", unit=unit, lat=40.0, lon=116.37)
    ResourceFactory(name="near", unit=unit, lat=39.901, lon=116.37)
    ResourceFactory(name="middle", unit=unit, lat=39.91, lon=116.37)
    # when
    answer = api.post(RESOURCES, {"near": {"lat": 39.9, "lon": 116.37}, "radius": 5000})
    # then
    assert answer.status == 200, answer.body
    assert names(answer) == ["near", "middle"]
    assert answer.data["resources"]["totalCount"] == 2
    first = answer.data["resources"]["edges"][0]["node"]
    assert 100 <= first["distanceM"] <= 125


@pytest.mark.postgres
def test_resources_without_near_are_ordered_by_name_and_paginate(api: Api) -> None:
    # given
    unit = WorkUnitFactory(name="Ministry of Water")
    for name in ["c", "a", "b"]:
        ResourceFactory(name=name, unit=unit)
    # when
    page1 = api.post(RESOURCES, {"first": 2})
    page2 = api.post(RESOURCES, {"first": 2, "after": page1.data["resources"]["pageInfo"]["endCursor"]})
    # then
    assert names(page1) == ["a", "b"]
    assert page1.data["resources"]["pageInfo"]["hasNextPage"] is True
    assert names(page2) == ["c"]
    assert page2.data["resources"]["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True,
                                                   "endCursor": page2.data["resources"]["edges"][0]["cursor"]}
    assert page1.data["resources"]["edges"][0]["node"]["unit"]["name"] == "Ministry of Water"


@pytest.mark.postgres
def test_search_matches_name_address_or_unit_name_case_insensitively(api: Api) -> None:
    # given
    ResourceFactory(name="Staff Canteen", unit=WorkUnitFactory(name="u1"))
    ResourceFactory(name="Lot", address="1 CANTEEN street", unit=WorkUnitFactory(name="u2"))
    ResourceFactory(name="Hall", unit=WorkUnitFactory(name="canteen group"))
    ResourceFactory(name="Other", unit=WorkUnitFactory(name="u3"))
    # when
    answer = api.post(RESOURCES, {"search": "canteen"})
    # then
    assert names(answer) == ["Hall", "Lot", "Staff Canteen"]


def test_category_unit_and_accessible_filters(api: Api) -> None:
    # given
    unit = WorkUnitFactory()
    ResourceFactory(name="p1", category="PARKING", unit=unit, accessible=True)
    ResourceFactory(name="p2", category="PARKING", accessible=True)
    ResourceFactory(name="c1", category="CANTEEN", unit=unit, accessible=True)
    ResourceFactory(name="p3", category="PARKING", unit=unit, accessible=False)
    # when
    answer = api.post(RESOURCES, {"category": "PARKING", "unit": to_global_id("WorkUnit", unit.pk),
                                  "accessible": True})
    # then
    assert names(answer) == ["p1"]


def test_archived_resources_are_not_listed(api: Api) -> None:
    # given
    from django.utils import timezone

    ResourceFactory(name="gone", archived_at=timezone.now())
    ResourceFactory(name="here")
    # when
    answer = api.post(RESOURCES)
    # then
    assert names(answer) == ["here"]


def test_radius_without_near_is_invalid(api: Api) -> None:
    # when
    answer = api.post(RESOURCES, {"radius": 1000})
    # then
    assert answer.codes == ["INVALID"]


def test_subdistricts_by_name_with_their_communities(api: Api) -> None:
    # given
    b = SubdistrictFactory(name="b街道")
    a = SubdistrictFactory(name="a街道")
    CommunityFactory(name="z社区", subdistrict=a)
    CommunityFactory(name="y社区", subdistrict=a)
    CommunityFactory(name="x社区", subdistrict=b)
    # when
    answer = api.post("{ subdistricts { name centre { lat lon } communities { name } } }")
    # then
    assert answer.data["subdistricts"] == [
        {"name": "a街道", "centre": {"lat": 39.91, "lon": 116.37}, "communities": [{"name": "y社区"}, {"name": "z社区"}]},  # noqa: E501
        {"name": "b街道", "centre": {"lat": 39.91, "lon": 116.37}, "communities": [{"name": "x社区"}]},
    ]


def test_communities_by_subdistrict_then_name_with_filters(api: Api) -> None:
    # given
    a = SubdistrictFactory(name="a")
    b = SubdistrictFactory(name="b")
    CommunityFactory(name="2", subdistrict=b)
    CommunityFactory(name="1", subdistrict=b)
    CommunityFactory(name="3", subdistrict=a)
    query = "query($s: ID, $q: String) { communities(subdistrict: $s, search: $q) { totalCount edges { node { name } } } }"  # noqa: E501
    # when
    everything = api.post(query)
    only_b = api.post(query, {"s": to_global_id("Subdistrict", b.pk)})
    # then
    assert [e["node"]["name"] for e in everything.data["communities"]["edges"]] == ["3", "1", "2"]
    assert [e["node"]["name"] for e in only_b.data["communities"]["edges"]] == ["1", "2"]


def test_node_returns_a_resource_and_null_for_garbage_ids(api: Api) -> None:
    # given
    resource = ResourceFactory(name="r")
    query = "query($id: ID!) { node(id: $id) { id ... on Resource { name } } }"
    # when
    found = api.post(query, {"id": to_global_id("Resource", resource.pk)})
    garbage = api.post(query, {"id": "not-an-id"})
    unknown_type = api.post(query, {"id": to_global_id("Secret", 1)})
    # then
    assert found.data["node"] == {"id": to_global_id("Resource", resource.pk), "name": "r"}
    assert garbage.data == {"node": None} and garbage.errors == []
    assert unknown_type.data == {"node": None}


def test_me_is_null_for_anonymous_and_the_user_when_signed_in(api: Api) -> None:
    # given
    person = resident(CommunityFactory(), full_name="张三明", email="z@example.com", phone="13812341234")
    query = "{ me { username displayName roles email phone birthDate eligibleGroups residencyVerified community { name } } }"  # noqa: E501
    # when
    anonymous = api.post(query)
    signed_in = api.post(query, as_user=person)
    # then
    assert anonymous.data == {"me": None}
    me = signed_in.data["me"]
    assert me["displayName"] == "张三明"
    assert me["roles"] == ["RESIDENT"]
    assert me["email"] == "z@example.com" and me["phone"] == "13812341234" and me["birthDate"] == "1980-01-01"
    assert me["eligibleGroups"] == ["ANYONE"] and me["residencyVerified"] is True
