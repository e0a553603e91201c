"""The contract header's "who may do what", as a matrix: every operation × {anonymous, resident A,
resident B, unit admin X, unit admin Y, unit staff of X, community worker of A's community, district
staff}. Every cell is asserted; on a denial nothing in the database changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql_relay import to_global_id

from booking.models import Booking, Slot
from booking.notifications.models import Notification
from booking.services.slots import slot_key
from marketplace.models import AuditEntry, IdempotencyRecord, Membership, Resource, User
from matching.models import Allocation, MatchRun, Need, NeedSupport

from .conftest import Api
from .world import ROLES, TUESDAY_11, WEDNESDAY_11, World

pytestmark = pytest.mark.django_db

A, B, UX, UY, G, W, S, ANON = "resident_a", "resident_b", "admin_x", "admin_y", "staff_x", "worker", "staff", "anonymous"  # noqa: E501


@dataclass(frozen=True)
class Op:
    query: str
    variables: Callable[[World], dict[str, Any]]
    outcome: Callable[[Any], Any]
    expected: dict[str, Any]
    mutation: bool = False
    setup: Callable[[World], None] | None = None  # runs before the snapshot


def mutation_outcome(name: str) -> Callable[[Any], Any]:
    def read(data: Any) -> Any:
        errors = data[name]["errors"]
        return "ok" if not errors else errors[0]["code"]
    return read


def everyone(value: Any, **overrides: Any) -> dict[str, Any]:
    out = dict.fromkeys(ROLES, value)
    out.update({ {"A": A, "B": B, "UX": UX, "UY": UY, "G": G, "W": W, "S": S, "ANON": ANON}[k]: v
                for k, v in overrides.items()})
    return out


def mark_no_show(w: World) -> None:
    Booking.objects.filter(pk=w.booking.pk).update(status="NO_SHOW")


def node_query(fragment: str) -> str:
    return "query($id: ID!) { node(id: $id) { id " + fragment + " } }"


OPS: dict[str, Op] = {
    # ---- reads everyone may do
    "subdistricts": Op("{ subdistricts { name } }", lambda w: {}, lambda d: len(d["subdistricts"]), everyone(1)),
    "districtFigures": Op("{ districtFigures { communities resources } }", lambda w: {},
                          lambda d: (d["districtFigures"]["communities"], d["districtFigures"]["resources"]),
                          everyone((2, 2))),
    "communities": Op("{ communities { totalCount } }", lambda w: {}, lambda d: d["communities"]["totalCount"],
                      everyone(2)),
    "resources": Op("{ resources { totalCount } }", lambda w: {}, lambda d: d["resources"]["totalCount"],
                    everyone(2)),
    "node(Resource)": Op(node_query("... on Resource { name }"), lambda w: {"id": w.gid(w.canteen)},
                         lambda d: d["node"] is not None, everyone(True)),
    "node(WorkUnit)": Op(node_query("... on WorkUnit { name }"), lambda w: {"id": w.gid(w.unit_x)},
                         lambda d: d["node"] is not None, everyone(True)),
    "node(Community)": Op(node_query("... on Community { name }"), lambda w: {"id": w.gid(w.community_a)},
                          lambda d: d["node"] is not None, everyone(True)),
    "node(Subdistrict)": Op(node_query("... on Subdistrict { name }"),
                            lambda w: {"id": w.gid(w.community_a.subdistrict)},
                            lambda d: d["node"] is not None, everyone(True)),
    "node(Slot)": Op(node_query("... on Slot { start remaining }"),
                     lambda w: {"id": to_global_id("Slot", slot_key(w.canteen.pk, TUESDAY_11))},
                     lambda d: d["node"] and d["node"]["remaining"], everyone(39)),
    # ---- the viewer's own
    "me": Op("{ me { username } }", lambda w: {}, lambda d: d["me"] and d["me"]["username"],
             {ANON: None, A: "res-a", B: "res-b", UX: "admin-x", UY: "admin-y", G: "gate-x", W: "worker-a",
              S: "district"}),
    "myBookings": Op("{ myBookings { totalCount } }", lambda w: {}, lambda d: d["myBookings"]["totalCount"],
                     everyone(0, A=1)),
    "myNotifications": Op("{ myNotifications { totalCount unreadCount } }", lambda w: {},
                          lambda d: d["myNotifications"]["totalCount"] > 0, everyone(False, A=True)),
    "node(Notification)": Op(node_query("... on Notification { kind }"),
                             lambda w: {"id": to_global_id("Notification", Notification.objects.get().pk)},
                             lambda d: d["node"] is not None, everyone(False, A=True)),
    # ---- bookings and their personal fields
    "unitBookings": Op("{ unitBookings { totalCount } }", lambda w: {}, lambda d: d["unitBookings"]["totalCount"],
                       everyone(0, UX=1, G=1)),
    "node(Booking)": Op(node_query("... on Booking { status }"), lambda w: {"id": w.gid(w.booking)},
                        lambda d: d["node"] is not None, everyone(False, A=True, UX=True, G=True, W=True, S=True)),
    "Booking.residentName": Op("{ unitBookings { edges { node { residentName } } } myBookings { edges { node { residentName } } } }",  # noqa: E501
                               lambda w: {}, lambda d: [e["node"]["residentName"] for e in
                                                        d["unitBookings"]["edges"] + d["myBookings"]["edges"]],
                               everyone([], A=["张三明"], UX=["张*明"], G=["张*明"])),
    "Booking.checkInCode": Op(node_query("... on Booking { checkInCode calendarUrl }"),
                              lambda w: {"id": w.gid(w.booking)},
                              lambda d: bool(d["node"] and d["node"]["checkInCode"] and d["node"]["calendarUrl"]),
                              everyone(False, A=True)),
    "Booking.note": Op(node_query("... on Booking { note }"), lambda w: {"id": w.gid(w.booking)},
                       lambda d: d["node"] and d["node"]["note"], everyone(None, A="清真", UX="清真", G="清真",
                                                                            W="清真", S="清真")),
    "kitchenSheet": Op("query($r: ID!) { kitchenSheet(resource: $r, date: \"2026-12-01\") { confirmed } }",
                       lambda w: {"r": w.gid(w.canteen)}, lambda d: [line["confirmed"] for line in d["kitchenSheet"]],
                       everyone([], UX=[1, 0], G=[1, 0])),
    # ---- people
    "node(User A)": Op(node_query("... on User { displayName email phone birthDate eligibleGroups }"),
                       lambda w: {"id": w.gid(w["resident_a"])},
                       lambda d: d["node"] and (d["node"]["displayName"], d["node"]["email"], d["node"]["birthDate"]),
                       everyone(None, A=("张三明", "a@example.com", "1950-05-01"),
                                W=("张三明", "a@example.com", "1950-05-01"),
                                S=("张三明", "a@example.com", "1950-05-01"))),
    "User.calendarFeedUrl": Op(node_query("... on User { calendarFeedUrl }"), lambda w: {"id": w.gid(w["resident_a"])},
                               lambda d: bool(d["node"] and d["node"]["calendarFeedUrl"]), everyone(False, A=True)),
    "communityResidents": Op("{ communityResidents { totalCount } }", lambda w: {},
                             lambda d: d["communityResidents"]["totalCount"], everyone(0, W=1)),
    # ---- matching
    "needs": Op("{ needs { totalCount } }", lambda w: {}, lambda d: d["needs"]["totalCount"],
                everyone(0, A=1, UX=1, W=1, S=1)),
    "node(Need)": Op(node_query("... on Need { title }"), lambda w: {"id": w.gid(w.need)},
                     lambda d: d["node"] is not None, everyone(False, A=True, UX=True, W=True, S=True)),
    "allocations": Op("{ allocations { totalCount } }", lambda w: {}, lambda d: d["allocations"]["totalCount"],
                      everyone(0, UX=1, W=1, S=1)),
    "node(Allocation)": Op(node_query("... on Allocation { quantity }"), lambda w: {"id": w.gid(w.allocation)},
                           lambda d: d["node"] is not None, everyone(False, UX=True, W=True, S=True)),
    "matchRuns": Op("{ matchRuns { totalCount } }", lambda w: {}, lambda d: d["matchRuns"]["totalCount"],
                    everyone(0, S=1)),
    "node(MatchRun)": Op(node_query("... on MatchRun { status }"), lambda w: {"id": w.gid(w.run)},
                         lambda d: d["node"] is not None, everyone(False, S=True)),
    "auditLog": Op("{ auditLog(first: 5) { totalCount edges { node { action actorName data } } } }", lambda w: {},
                   lambda d: d["auditLog"]["totalCount"] > 0 and len(d["auditLog"]["edges"]) > 0,
                   everyone(False, S=True)),
    "node(AuditEntry)": Op(node_query("... on AuditEntry { action }"),
                           lambda w: {"id": to_global_id("AuditEntry", AuditEntry.objects.order_by("id").first().pk)},
                           lambda d: d["node"] is not None, everyone(False, S=True)),
    "myData": Op("{ myData }", lambda w: {},
                 lambda d: d["myData"] and json.loads(d["myData"])["profile"]["username"],
                 {ANON: None, A: "res-a", B: "res-b", UX: "admin-x", UY: "admin-y", G: "gate-x", W: "worker-a",
                  S: "district"}),
    "districtStats": Op('{ districtStats(from: "2026-12-01", to: "2026-12-31") { bookings } }', lambda w: {},
                        lambda d: d["districtStats"] is not None, everyone(False, S=True)),
    "districtMap": Op('{ districtMap(from: "2026-12-01", to: "2026-12-31") { resources { id } } }', lambda w: {},
                      lambda d: d["districtMap"] is not None, everyone(False, S=True)),
    "Community.servedRate": Op(node_query('... on Community { servedRate(from: "2026-12-01", to: "2026-12-31") }'),
                               lambda w: {"id": w.gid(w.community_a)},
                               lambda d: d["node"]["servedRate"] is not None, everyone(False, W=True, S=True)),
    "Resource.utilisation": Op(node_query('... on Resource { utilisation(from: "2026-11-30", to: "2026-12-06") { capacity } }'),  # noqa: E501
                               lambda w: {"id": w.gid(w.canteen)}, lambda d: len(d["node"]["utilisation"]) > 0,
                               everyone(False, UX=True, S=True)),
    "WorkUnit.contribution": Op(node_query('... on WorkUnit { contribution(from: "2026-11-30", to: "2026-12-06") { bookings } }'),  # noqa: E501
                                lambda w: {"id": w.gid(w.unit_x)}, lambda d: len(d["node"]["contribution"]) > 0,
                                everyone(False, UX=True, S=True)),
    # ---- mutations
    "publishResource": Op(
        'mutation { publishResource(input: {name: "新食堂", category: CANTEEN, address: "北京市西城区1号", '
        'location: {lat: 39.91, lon: 116.37}, capacity: 20}) { resource { id } errors { code } } }',
        lambda w: {}, mutation_outcome("publishResource"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", UX="ok", UY="ok"), mutation=True),
    "updateResource": Op(
        "mutation($id: ID!) { updateResource(input: {resourceId: $id, capacity: 30}) { resource { capacity } errors { code } } }",  # noqa: E501
        lambda w: {"id": w.gid(w.canteen)}, mutation_outcome("updateResource"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", UX="ok"), mutation=True),
    "closeSlots": Op(
        'mutation($id: ID!) { closeSlots(input: {resourceId: $id, from: "2026-12-02T00:00:00+08:00", '
        'to: "2026-12-03T00:00:00+08:00", reason: "维修"}) { closedSlots errors { code } } }',
        lambda w: {"id": w.gid(w.canteen)}, mutation_outcome("closeSlots"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", UX="ok"), mutation=True),
    "bookSlot": Op(
        "mutation($id: ID!, $start: DateTime!) { bookSlot(input: {resourceId: $id, start: $start}) { booking { id } errors { code } } }",  # noqa: E501
        lambda w: {"id": w.gid(w.canteen), "start": WEDNESDAY_11.isoformat()}, mutation_outcome("bookSlot"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", A="ok", B="ok"), mutation=True),
    "bookSlot(forResidents)": Op(
        "mutation($id: ID!, $start: DateTime!, $who: [ID!]) { bookSlot(input: {resourceId: $id, start: $start, "
        "forResidents: $who}) { bookings { id } errors { code } } }",
        lambda w: {"id": w.gid(w.canteen), "start": WEDNESDAY_11.isoformat(), "who": [w.gid(w["resident_a"])]},
        mutation_outcome("bookSlot"), everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", W="ok"), mutation=True),
    "cancelBooking": Op(
        'mutation($id: ID!) { cancelBooking(input: {bookingId: $id, reason: "有事"}) { booking { status } errors { code } } }',  # noqa: E501
        lambda w: {"id": w.gid(w.booking)}, mutation_outcome("cancelBooking"),
        everyone("NOT_FOUND", ANON="UNAUTHENTICATED", A="ok", UX="ok", G="PERMISSION_DENIED", W="PERMISSION_DENIED",
                 S="PERMISSION_DENIED"), mutation=True),
    "decideBooking": Op(
        'mutation($id: ID!) { decideBooking(input: {bookingId: $id, approve: true}) { booking { status } errors { code } } }',  # noqa: E501
        lambda w: {"id": w.gid(w.booking)}, mutation_outcome("decideBooking"),
        everyone("NOT_FOUND", ANON="UNAUTHENTICATED", A="PERMISSION_DENIED", UX="ALREADY_FINAL",
                 G="PERMISSION_DENIED", W="PERMISSION_DENIED", S="PERMISSION_DENIED"), mutation=True),
    "checkIn": Op(
        "mutation($code: String!) { checkIn(input: {code: $code}) { booking { status } errors { code } } }",
        lambda w: {"code": w.booking.check_in_code}, mutation_outcome("checkIn"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", UX="OUTSIDE_BOOKING_WINDOW",
                 G="OUTSIDE_BOOKING_WINDOW", UY="NOT_FOUND"), mutation=True),
    "postNeed": Op(
        'mutation { postNeed(input: {category: CANTEEN, title: "午餐", quantity: 5, weekdayPattern: WEEKDAYS, '
        'startTime: "11:00", endTime: "12:00", startsOn: "2026-12-01", endsOn: "2026-12-31"}) { need { id } errors { code } } }',  # noqa: E501
        lambda w: {}, mutation_outcome("postNeed"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", W="ok"), mutation=True),
    "updateNeed": Op(
        "mutation($id: ID!) { updateNeed(input: {needId: $id, priority: 5}) { need { priority } errors { code } } }",
        lambda w: {"id": w.gid(w.need)}, mutation_outcome("updateNeed"),
        everyone("NOT_FOUND", ANON="UNAUTHENTICATED", A="PERMISSION_DENIED", UX="PERMISSION_DENIED", W="ok",
                 S="PERMISSION_DENIED"), mutation=True),
    "closeNeed": Op(
        'mutation($id: ID!) { closeNeed(input: {needId: $id, reason: "已解决"}) { need { status } errors { code } } }',
        lambda w: {"id": w.gid(w.need)}, mutation_outcome("closeNeed"),
        everyone("NOT_FOUND", ANON="UNAUTHENTICATED", A="PERMISSION_DENIED", UX="PERMISSION_DENIED", W="ok",
                 S="PERMISSION_DENIED"), mutation=True),
    "supportNeed": Op(
        "mutation($id: ID!) { supportNeed(input: {needId: $id, support: true}) { need { supporters } errors { code } } }",  # noqa: E501
        lambda w: {"id": w.gid(w.need)}, mutation_outcome("supportNeed"),
        everyone("NOT_FOUND", ANON="UNAUTHENTICATED", A="ok", UX="PERMISSION_DENIED", W="PERMISSION_DENIED",
                 S="PERMISSION_DENIED"), mutation=True),
    "runMatching": Op(
        "mutation { runMatching(input: {horizonDays: 7}) { matchRun { status } errors { code } } }",
        lambda w: {}, mutation_outcome("runMatching"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", S="ok"), mutation=True),
    "respondToAllocation": Op(
        "mutation($id: ID!) { respondToAllocation(input: {allocationId: $id, accept: true}) { allocation { status } errors { code } } }",  # noqa: E501
        lambda w: {"id": w.gid(w.allocation)}, mutation_outcome("respondToAllocation"),
        everyone("NOT_FOUND", ANON="UNAUTHENTICATED", UX="ok", W="PERMISSION_DENIED", S="PERMISSION_DENIED"),
        mutation=True),
    "respondToAllocations": Op(
        "mutation($id: ID!) { respondToAllocations(input: {allocationIds: [$id], accept: true}) { allocations { status } errors { code } } }",  # noqa: E501
        lambda w: {"id": w.gid(w.allocation)}, mutation_outcome("respondToAllocations"),
        everyone("NOT_FOUND", ANON="UNAUTHENTICATED", UX="ok", W="PERMISSION_DENIED", S="PERMISSION_DENIED"),
        mutation=True),
    "updateResident": Op(
        "mutation($id: ID!) { updateResident(input: {residentId: $id, verified: false}) { resident { residencyVerified } errors { code } } }",  # noqa: E501
        lambda w: {"id": w.gid(w["resident_a"])}, mutation_outcome("updateResident"),
        everyone("NOT_FOUND", ANON="UNAUTHENTICATED", A="PERMISSION_DENIED", W="ok", S="PERMISSION_DENIED"),
        mutation=True),
    "createResident": Op(
        'mutation { createResident(input: {fullName: "王大爷", verified: true}) { resident { id } errors { code } } }',
        lambda w: {}, mutation_outcome("createResident"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", W="ok"), mutation=True),
    "deleteMyData": Op(
        "mutation { deleteMyData(input: {confirm: true}) { deleted errors { code } } }",
        lambda w: {}, mutation_outcome("deleteMyData"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", A="ok", B="ok"), mutation=True),
    "clearNoShow": Op(
        "mutation($id: ID!) { clearNoShow(input: {bookingId: $id}) { booking { noShowClearedAt } errors { code } } }",
        lambda w: {"id": w.gid(w.booking)}, mutation_outcome("clearNoShow"),
        everyone("PERMISSION_DENIED", ANON="UNAUTHENTICATED", B="NOT_FOUND", UX="ok", UY="NOT_FOUND"),
        mutation=True, setup=mark_no_show),
    "markNotificationsRead": Op(
        "mutation { markNotificationsRead(input: {all: true}) { unreadCount errors { code } } }",
        lambda w: {}, mutation_outcome("markNotificationsRead"), everyone("ok", ANON="UNAUTHENTICATED"),
        mutation=True),
}


def snapshot() -> tuple[Any, ...]:
    """Everything a mutation could change."""
    return (
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
        sorted(Booking.objects.values_list("id", "status")),
        sorted(Resource.objects.values_list("id", "capacity", "name", "archived_at")),
        sorted(Slot.objects.values_list("id", "closed", "booked", "held")),
        sorted(Need.objects.values_list("id", "priority", "closed_at")),
        NeedSupport.objects.count(),
        sorted(Allocation.objects.values_list("id", "status")),
        MatchRun.objects.count(),
        sorted(Membership.objects.values_list("id", "verified_at")),
        sorted(Notification.objects.values_list("id", "read_at")),
        sorted(User.objects.values_list("id", "is_disabled")),
    )


READS = [name for name, op in OPS.items() if not op.mutation]
WRITES = [(name, role) for name, op in OPS.items() if op.mutation for role in ROLES]


@pytest.mark.parametrize("op_name", READS)
def test_read_permissions(api: Api, world: World, op_name: str) -> None:
    # given one district (reads change nothing, so every role asks the same world)
    op = OPS[op_name]
    before = snapshot()
    # when
    outcomes = {}
    for role in ROLES:
        answer = api.post(op.query, op.variables(world), as_user=world[role])
        assert answer.status == 200 and not answer.errors, (role, answer.body)
        outcomes[role] = op.outcome(answer.data)
    # then: every cell
    assert outcomes == op.expected
    assert snapshot() == before


@pytest.mark.parametrize(("op_name", "role"), WRITES, ids=[f"{o}-{r}" for o, r in WRITES])
def test_write_permissions(api: Api, world: World, op_name: str, role: str) -> None:
    # given a fresh district for each cell
    op = OPS[op_name]
    if op.setup is not None:
        op.setup(world)
    before = snapshot()
    # when
    answer = api.post(op.query, op.variables(world), as_user=world[role])
    # then
    assert answer.status == 200 and not answer.errors, answer.body
    outcome = op.outcome(answer.data)
    assert outcome == op.expected[role]
    if outcome != "ok":
        assert snapshot() == before  # nothing changed on a denial
    elif op_name != "markNotificationsRead" or role == A:  # only A has notifications to mark
        assert snapshot() != before  # and the allowed call really did something
