"""createResident, auditLog, myData, deleteMyData and clearNoShow through HTTP: success, coded refusals
that write nothing, idempotency, order and paging."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from graphql_relay import to_global_id

from booking.models import Booking, Suspension
from marketplace.models import AuditEntry, IdempotencyRecord, Membership, Role, User
from marketplace.services import audit
from tests.factories import resident

from .conftest import Api
from .world import NOW, TZ, World

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CREATE = """mutation($input: CreateResidentInput!) { createResident(input: $input) {
  resident { id username displayName phone birthDate roles residencyVerified community { name } }
  errors { field code message } } }"""
AUDIT = """query($action: String, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
  auditLog(action: $action, from: $from, to: $to, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id action actorName at objectType objectId objectRepr reason data } } } }"""
DELETE = "mutation($confirm: Boolean!) { deleteMyData(input: {confirm: $confirm}) { deleted errors { field code } } }"
CLEAR = """mutation($id: ID!) { clearNoShow(input: {bookingId: $id}) {
  booking { id status noShowClearedAt } errors { field code } } }"""


def created(answer: Any) -> dict[str, Any]:
    payload = answer.data["createResident"]
    assert payload["errors"] == [], payload
    return payload["resident"]  # type: ignore[no-any-return]


# ---- createResident


def test_a_worker_creates_a_verified_account_without_a_password_in_their_community(api: Api, world: World) -> None:
    # given
    worker = world["worker"]
    # when
    answer = api.post(CREATE, {"input": {"fullName": " 王大爷 ", "birthDate": "1942-03-04", "sex": "MALE",
                                         "verified": True}}, as_user=worker)
    # then
    node = created(answer)
    user = User.objects.get(username=node["username"])
    assert node["username"].startswith(f"r{world.community_a.pk}-")
    assert node["displayName"] == "王大爷" and node["birthDate"] == "1942-03-04" and node["phone"] is None
    assert node["roles"] == ["RESIDENT"] and node["residencyVerified"] is True
    assert node["community"] == {"name": "甲社区"}
    assert not user.has_usable_password() and user.sex == "MALE"
    membership = Membership.objects.get(user=user, role=Role.RESIDENT)
    assert membership.community_id == world.community_a.pk and membership.verified_by_id == worker.pk
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk), actor=worker).count() == 1


def test_the_new_resident_is_listed_for_the_worker_and_hidden_from_other_communities(api: Api,
                                                                                    world: World) -> None:
    # given
    node = created(api.post(CREATE, {"input": {"fullName": "赵奶奶", "phone": "13900001111"}},
                            as_user=world["worker"]))
    # when
    listed = api.post('{ communityResidents(search: "赵奶奶") { edges { node { id phone } } } }',
                      as_user=world["worker"])
    seen_by_b = api.post("query($id: ID!) { node(id: $id) { id } }", {"id": node["id"]}, as_user=world["resident_b"])
    # then
    assert listed.data["communityResidents"]["edges"] == [{"node": {"id": node["id"], "phone": "13900001111"}}]
    assert seen_by_b.data["node"] is None


def test_invalid_fields_are_all_named_and_nothing_is_written(api: Api, world: World) -> None:
    # given
    before = (User.objects.count(), Membership.objects.count(), AuditEntry.objects.count(),
              IdempotencyRecord.objects.count())
    # when
    answer = api.post(CREATE, {"input": {"fullName": "  ", "phone": "12345", "birthDate": "2099-01-01",
                                         "idempotencyKey": "k1"}}, as_user=world["worker"])
    # then
    payload = answer.data["createResident"]
    assert payload["resident"] is None
    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == [
        ("birthDate", "INVALID"), ("fullName", "INVALID"), ("phone", "INVALID")]
    assert (User.objects.count(), Membership.objects.count(), AuditEntry.objects.count(),
            IdempotencyRecord.objects.count()) == before


def test_a_too_long_name_is_invalid(api: Api, world: World) -> None:
    answer = api.post(CREATE, {"input": {"fullName": "名" * 61}}, as_user=world["worker"])
    assert [(e["field"], e["code"]) for e in answer.data["createResident"]["errors"]] == [("fullName", "INVALID")]


def test_create_resident_is_idempotent_per_key(api: Api, world: World) -> None:
    # given
    values = {"fullName": "钱爷爷", "birthDate": "1940-01-01", "idempotencyKey": "new-resident-1"}
    # when the same call is sent twice, then once more with another input under the same key
    first = created(api.post(CREATE, {"input": values}, as_user=world["worker"]))
    second = created(api.post(CREATE, {"input": values}, as_user=world["worker"]))
    other = api.post(CREATE, {"input": {**values, "fullName": "孙爷爷"}}, as_user=world["worker"])
    # then one account exists and the other input is a conflict
    assert second["id"] == first["id"]
    assert User.objects.filter(full_name="钱爷爷").count() == 1
    assert [e["code"] for e in other.data["createResident"]["errors"]] == ["CONFLICT"]
    assert not User.objects.filter(full_name="孙爷爷").exists()


def test_generated_usernames_differ(api: Api, world: World) -> None:
    one = created(api.post(CREATE, {"input": {"fullName": "周一"}}, as_user=world["worker"]))
    two = created(api.post(CREATE, {"input": {"fullName": "周一"}}, as_user=world["worker"]))
    assert one["username"] != two["username"]


# ---- auditLog


def _entries(count: int) -> list[AuditEntry]:
    staff = User.objects.get(username="district")
    return [audit.record(actor=staff, action="test.step", obj=staff, reason=f"step {i}", data={"i": i, "名": "值"})
            for i in range(count)]


def test_staff_read_the_audit_log_newest_first_with_data_as_json(api: Api, world: World) -> None:
    # given
    entries = _entries(3)
    # when
    answer = api.post(AUDIT, {"action": "test.step"}, as_user=world["staff"])
    # then
    log = answer.data["auditLog"]
    assert log["totalCount"] == 3
    nodes = [e["node"] for e in log["edges"]]
    assert [n["reason"] for n in nodes] == ["step 2", "step 1", "step 0"]
    first = nodes[0]
    assert first["id"] == to_global_id("AuditEntry", entries[2].pk)
    assert first["actorName"] == "district" and first["objectType"] == "marketplace.user"
    assert first["objectId"] == str(world["staff"].pk)
    assert json.loads(first["data"]) == {"i": 2, "名": "值"}
    assert first["at"].endswith("+08:00")


def test_the_audit_log_pages_and_filters_by_time(api: Api, world: World) -> None:
    # given five entries
    _entries(5)
    # when paging two at a time
    reasons: list[str] = []
    after = None
    for _ in range(3):
        log = api.post(AUDIT, {"action": "test.step", "first": 2, "after": after}, as_user=world["staff"]).data[
            "auditLog"]
        reasons += [e["node"]["reason"] for e in log["edges"]]
        after = log["pageInfo"]["endCursor"]
    # then every entry came once, newest first, and the last page says so
    assert reasons == [f"step {i}" for i in (4, 3, 2, 1, 0)]
    assert log["pageInfo"]["hasNextPage"] is False
    # and a period that ended before them is empty, one that started before them holds them all
    early = (dt.datetime.now(TZ) - dt.timedelta(days=1)).isoformat()
    assert api.post(AUDIT, {"action": "test.step", "to": early}, as_user=world["staff"]).data[
        "auditLog"]["totalCount"] == 0
    assert api.post(AUDIT, {"action": "test.step", "from": early}, as_user=world["staff"]).data[
        "auditLog"]["totalCount"] == 5


def test_the_audit_log_refuses_a_naive_time_and_more_than_100(api: Api, world: World) -> None:
    naive = api.post(AUDIT, {"from": "2026-11-30T08:00:00"}, as_user=world["staff"])
    too_many = api.post(AUDIT, {"first": 101}, as_user=world["staff"])
    assert "INVALID" in naive.codes
    assert "INVALID" in too_many.codes


# ---- myData and deleteMyData


def test_my_data_is_the_viewers_own_export(api: Api, world: World) -> None:
    answer = api.post("{ myData }", as_user=world["resident_a"])
    data = json.loads(answer.data["myData"])
    assert data["profile"]["username"] == "res-a" and data["profile"]["phone"] == "13812341234"
    assert [b["id"] for b in data["bookings"]] == [world.booking.pk]
    assert data["bookings"][0]["note"] == "清真"
    assert api.post("{ myData }").data["myData"] is None


def test_delete_needs_confirmation_and_writes_nothing_without_it(api: Api, world: World) -> None:
    # given
    before = (AuditEntry.objects.count(), User.objects.get(username="res-a").is_active,
              Booking.objects.get(pk=world.booking.pk).status)
    # when
    answer = api.post(DELETE, {"confirm": False}, as_user=world["resident_a"])
    # then
    assert answer.data["deleteMyData"] == {"deleted": False, "errors": [{"field": "confirm", "code": "INVALID"}]}
    assert (AuditEntry.objects.count(), User.objects.get(username="res-a").is_active,
            Booking.objects.get(pk=world.booking.pk).status) == before


def test_deleting_my_data_cancels_bookings_empties_the_profile_and_ends_the_session(api: Api,
                                                                                   world: World) -> None:
    # given a resident signed in with a session and holding a future booking
    client = api.client_for(world["resident_a"])
    # when
    answer = api.post(DELETE, {"confirm": True}, client=client)
    # then
    assert answer.data["deleteMyData"] == {"deleted": True, "errors": []}
    user = User.objects.get(pk=world["resident_a"].pk)
    assert not user.is_active and user.full_name == "" and user.phone == "" and user.username.startswith("deleted-")
    assert not user.memberships.exists()
    booking = Booking.objects.get(pk=world.booking.pk)
    assert booking.status == "CANCELLED" and booking.note == ""
    assert AuditEntry.objects.filter(action="user.delete_data", object_id=str(user.pk)).exists()
    # and the same session no longer signs anyone in
    assert api.post("{ me { id } }", client=client).data["me"] is None


def test_accounts_with_a_work_role_cannot_delete_themselves(api: Api, world: World) -> None:
    # given a unit admin who is also a resident
    admin = world["admin_x"]
    resident(world.community_a, username=admin.username)
    # when
    answer = api.post(DELETE, {"confirm": True}, as_user=User.objects.get(pk=admin.pk))
    # then
    assert [e["code"] for e in answer.data["deleteMyData"]["errors"]] == ["PERMISSION_DENIED"]
    assert User.objects.get(pk=admin.pk).is_active


# ---- clearNoShow


def _no_show(world: World) -> Booking:
    Booking.objects.filter(pk=world.booking.pk).update(status="NO_SHOW")
    return Booking.objects.get(pk=world.booking.pk)


def test_the_unit_admin_clears_a_no_show_and_the_suspension_is_lifted(api: Api, world: World) -> None:
    # given a no-show and the suspension it caused
    booking = _no_show(world)
    Suspension.objects.create(user=world["resident_a"], starts_at=NOW, until=NOW + dt.timedelta(days=14))
    # when
    answer = api.post(CLEAR, {"id": world.gid(booking)}, as_user=world["admin_x"])
    # then
    payload = answer.data["clearNoShow"]
    assert payload["errors"] == []
    assert payload["booking"]["status"] == "NO_SHOW" and payload["booking"]["noShowClearedAt"] is not None
    booking.refresh_from_db()
    assert booking.no_show_cleared_at is not None
    assert Suspension.objects.get().lifted_at is not None
    assert AuditEntry.objects.filter(action="booking.clear_no_show", object_id=str(booking.pk)).count() == 1


def test_clearing_twice_or_a_booking_that_is_no_no_show_is_invalid(api: Api, world: World) -> None:
    # given a confirmed booking
    confirmed = api.post(CLEAR, {"id": world.gid(world.booking)}, as_user=world["admin_x"])
    # when it became a no-show, was cleared, and is cleared again
    _no_show(world)
    api.post(CLEAR, {"id": world.gid(world.booking)}, as_user=world["admin_x"])
    count = AuditEntry.objects.count()
    again = api.post(CLEAR, {"id": world.gid(world.booking)}, as_user=world["admin_x"])
    # then both refusals name the booking and the second changed nothing
    assert confirmed.data["clearNoShow"]["errors"] == [{"field": "bookingId", "code": "INVALID"}]
    assert again.data["clearNoShow"]["errors"] == [{"field": "bookingId", "code": "INVALID"}]
    assert AuditEntry.objects.count() == count


def test_an_unknown_booking_id_is_not_found(api: Api, world: World) -> None:
    answer = api.post(CLEAR, {"id": to_global_id("Booking", 999999)}, as_user=world["admin_x"])
    wrong_type = api.post(CLEAR, {"id": world.gid(world.canteen)}, as_user=world["admin_x"])
    assert answer.data["clearNoShow"]["errors"] == [{"field": "bookingId", "code": "NOT_FOUND"}]
    assert wrong_type.data["clearNoShow"]["errors"] == [{"field": "bookingId", "code": "NOT_FOUND"}]
