"""The pages of createResident, auditLog, myData/deleteMyData and clearNoShow through the test client."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from booking.models import Booking
from booking.services.bookings import BookingRequest, book_slot
from marketplace.models import AuditEntry, Role, User
from marketplace.services import audit

from .conftest import World
from .helpers import client_for, gid

pytestmark = pytest.mark.django_db


# ---- the worker creates an account


def test_a_worker_creates_an_account_from_the_residents_page(world: World):
    # given the worker on their residents page, which carries the form
    client = client_for(world.worker)
    page = client.get("/community/residents/")
    key = page.context["form"].initial["idempotencyKey"]
    assert 'name="fullName"' in page.content.decode()
    form = {"fullName": "陈奶奶", "birthDate": "1938-06-01", "sex": "FEMALE", "verified": "on", "idempotencyKey": key}
    # when they submit it (twice, as a double click would)
    first = client.post("/community/residents/", form)
    second = client.post("/community/residents/", form)
    # then one account exists in their community, and they land on its page
    person = User.objects.get(full_name="陈奶奶")
    assert first.status_code == 302 and first["Location"] == f"/community/residents/{gid('User', person.pk)}/"
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert person.membership(Role.RESIDENT).community_id == world.community.pk
    assert person.residency_verified and not person.has_usable_password()
    follow = client.get(first["Location"])
    assert person.username in follow.content.decode()


def test_an_invalid_phone_comes_back_next_to_its_field_and_nothing_is_created(world: World):
    # given
    client = client_for(world.worker)
    before = User.objects.count()
    # when
    response = client.post("/community/residents/", {"fullName": "错号码", "phone": "12345"})
    # then
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["phone"] and form.fields["phone"].widget.attrs.get("autofocus")
    assert User.objects.count() == before


def test_residents_cannot_post_the_create_form(world: World):
    response = client_for(world.resident).post("/community/residents/", {"fullName": "某人"})
    assert response.status_code == 404
    assert not User.objects.filter(full_name="某人").exists()


# ---- the audit log


def test_staff_page_through_the_audit_log_and_filter_by_action(world: World):
    # given 60 entries of one action and one of another
    for i in range(60):
        audit.record(actor=world.staff, action="test.step", obj=world.canteen, reason=f"step-{i:02d}")
    audit.record(actor=world.staff, action="test.other", obj=world.canteen, reason="the-other", data={"k": "值"})
    client = client_for(world.staff)
    # when the staff filter by the first action
    first = client.get("/district/audit/", {"action": "test.step"})
    # then the newest 50 show, with a link to older ones
    assert first.status_code == 200
    rows = first.context["rows"]
    assert [r["reason"] for r in rows[:2]] == ["step-59", "step-58"] and len(rows) == 50
    assert first.context["total"] == 60 and "the-other" not in first.content.decode()
    older = first.context["page_info"]["endCursor"]
    second = client.get("/district/audit/", {"action": "test.step", "after": older})
    assert [r["reason"] for r in second.context["rows"]] == [f"step-{i:02d}" for i in range(9, -1, -1)]
    # and the other action shows its details
    other = client.get("/district/audit/", {"action": "test.other"})
    assert other.context["rows"][0]["details"] == [("k", "值")]  # a list people read, not JSON


def test_the_audit_log_filters_by_day(world: World):
    audit.record(actor=world.staff, action="test.step", obj=world.canteen)
    client = client_for(world.staff)
    assert client.get("/district/audit/", {"action": "test.step", "to": "2020-01-01"}).context["total"] == 0
    assert client.get("/district/audit/", {"action": "test.step", "from": "2020-01-01"}).context["total"] == 1


# ---- my data: download and deletion


def test_my_data_downloads_the_full_export(world: World):
    response = client_for(world.resident).get("/me/data/", {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert data["profile"]["username"] == "resident" and data["profile"]["full_name"] == "王秀英"


def test_deleting_needs_the_tick_and_then_ends_the_session(world: World):
    # given a resident with a booking tomorrow
    booking = book_slot(actor=world.resident, request=BookingRequest(resource=world.canteen,
                                                                     start=world.tomorrow_at(11))).bookings[0]
    client = client_for(world.resident)
    assert "/me/data/delete/" in client.get("/me/data/").content.decode()
    assert client.get("/me/data/delete/").status_code == 200
    # when she posts without ticking the box
    unticked = client.post("/me/data/delete/", {})
    # then nothing happened
    assert unticked.status_code == 200 and unticked.context["form"].errors["confirm"]
    assert User.objects.get(pk=world.resident.pk).is_active
    # when she ticks it
    done = client.post("/me/data/delete/", {"confirm": "on"})
    # then her booking is cancelled, her account closed, and she is signed out
    assert done.status_code == 302 and done["Location"] == "/"
    assert Booking.objects.get(pk=booking.pk).status == "CANCELLED"
    assert not User.objects.get(pk=world.resident.pk).is_active
    assert client.get("/bookings/")["Location"].startswith("/login/")


def test_work_accounts_get_no_delete_button_and_no_delete_page(world: World):
    client = client_for(world.admin)
    assert "/me/data/delete/" not in client.get("/me/data/").content.decode()
    assert client.get("/me/data/delete/").status_code == 404
    assert client.post("/me/data/delete/", {"confirm": "on"}).status_code == 404
    assert User.objects.get(pk=world.admin.pk).is_active


def test_anonymous_visitors_are_sent_to_log_in_before_deleting(world: World):
    response = Client().post("/me/data/delete/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# ---- clear a no-show


def _no_show_today(world: World) -> Booking:
    booking = book_slot(actor=world.resident, request=BookingRequest(resource=world.canteen,
                                                                     start=world.tomorrow_at(11))).bookings[0]
    Booking.objects.filter(pk=booking.pk).update(status="NO_SHOW")
    return booking


def test_the_unit_admin_clears_a_no_show_from_the_days_list(world: World):
    # given a no-show on the day's list
    booking = _no_show_today(world)
    day = world.tomorrow_at(11).date().isoformat()
    client = client_for(world.admin)
    page = client.get("/unit/", {"date": day}).content.decode()
    action = f"/unit/bookings/{gid('Booking', booking.pk)}/clear-no-show/"
    assert action in page
    # when the admin clears it
    response = client.post(action, {"next": f"/unit/?date={day}"})
    # then it is cleared and they are back on the same list, without the button
    assert response.status_code == 302 and response["Location"] == f"/unit/?date={day}"
    assert Booking.objects.get(pk=booking.pk).no_show_cleared_at is not None
    assert AuditEntry.objects.filter(action="booking.clear_no_show").count() == 1
    assert action not in client.get("/unit/", {"date": day}).content.decode()


def test_gate_staff_see_no_button_and_cannot_clear(world: World):
    booking = _no_show_today(world)
    day = world.tomorrow_at(11).date().isoformat()
    client = client_for(world.gate)
    action = f"/unit/bookings/{gid('Booking', booking.pk)}/clear-no-show/"
    assert action not in client.get("/unit/", {"date": day}).content.decode()
    assert client.post(action).status_code == 404
    assert Booking.objects.get(pk=booking.pk).no_show_cleared_at is None


def test_another_units_admin_cannot_clear(world: World):
    booking = _no_show_today(world)
    response = client_for(world.other_admin).post(f"/unit/bookings/{gid('Booking', booking.pk)}/clear-no-show/")
    assert response.status_code == 302  # back to their list with the refusal as a message
    assert Booking.objects.get(pk=booking.pk).no_show_cleared_at is None
