from __future__ import annotations

import pytest

from core.errors import ErrorCode, ServiceError
from marketplace.models import AuditEntry, Resource
from marketplace.services.resources import ResourceFields, publish_resource, update_resource
from tests.factories import ResourceFactory, WorkUnitFactory, unit_admin

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

VALID = ResourceFields(name="职工食堂", category="CANTEEN", address="西城区测试路1号", lat=39.91, lon=116.37,
                       capacity=60)


def codes(exc: pytest.ExceptionInfo[ServiceError]) -> set[tuple[str, str | None]]:
    return {(str(e.code), e.field) for e in exc.value.errors}


def test_publish_creates_resource_and_audit_entry():
    # given
    unit = WorkUnitFactory()
    admin = unit_admin(unit)
    # when
    resource = publish_resource(actor=admin, unit=unit, data=VALID)
    # then
    assert resource.pk and resource.unit == unit and resource.capacity == 60
    assert resource.booking_mode == "SHARED" and resource.booking_opens_days_before == 14
    entry = AuditEntry.objects.get(action="resource.publish")
    assert entry.actor == admin and entry.object_id == str(resource.pk)


def test_a_hall_defaults_to_exclusive_booking():
    unit = WorkUnitFactory()
    hall = publish_resource(actor=unit_admin(unit), unit=unit,
                            data=ResourceFields(**{**VALID.given(), "category": "HALL", "capacity": 200}))
    assert hall.booking_mode == "EXCLUSIVE"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"capacity": 0}, ("INVALID", "capacity")),
        ({"capacity": 100000}, ("INVALID", "capacity")),
        ({"lat": 31.23, "lon": 121.47}, ("INVALID", "location")),  # Shanghai
        ({"name": "食"}, ("INVALID", "name")),
        ({"name": "食" * 101}, ("INVALID", "name")),
        ({"address": "  "}, ("INVALID", "address")),
        ({"category": "SPA"}, ("INVALID", "category")),
        ({"max_active_per_resident": 0}, ("INVALID", "maxActivePerResident")),
        ({"booking_opens_days_before": 400}, ("INVALID", "bookingOpensDaysBefore")),
    ],
)
def test_publish_refuses_bad_input_with_a_coded_error_and_writes_nothing(change, expected):
    # given
    unit = WorkUnitFactory()
    admin = unit_admin(unit)
    # when
    with pytest.raises(ServiceError) as exc:
        publish_resource(actor=admin, unit=unit, data=ResourceFields(**{**VALID.given(), **change}))
    # then
    assert expected in codes(exc)
    assert not Resource.objects.exists()
    assert not AuditEntry.objects.filter(action="resource.publish").exists()


def test_publish_reports_every_error_at_once():
    unit = WorkUnitFactory()
    with pytest.raises(ServiceError) as exc:
        publish_resource(actor=unit_admin(unit), unit=unit,
                         data=ResourceFields(**{**VALID.given(), "capacity": 0, "name": "x"}))
    assert codes(exc) == {("INVALID", "capacity"), ("INVALID", "name")}


def test_publish_requires_the_mandatory_fields():
    unit = WorkUnitFactory()
    with pytest.raises(ServiceError) as exc:
        publish_resource(actor=unit_admin(unit), unit=unit, data=ResourceFields(name="职工食堂"))
    assert {f for _, f in codes(exc)} == {"category", "address", "location", "capacity"}


def test_only_an_admin_of_the_unit_may_publish():
    unit, other = WorkUnitFactory(), WorkUnitFactory()
    with pytest.raises(ServiceError) as exc:
        publish_resource(actor=unit_admin(other), unit=unit, data=VALID)
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert not Resource.objects.exists()


def test_update_changes_fields_and_records_what_changed():
    resource = ResourceFactory(capacity=40)
    admin = unit_admin(resource.unit)
    update_resource(actor=admin, resource=resource, data=ResourceFields(capacity=55, accessible=True))
    resource.refresh_from_db()
    assert resource.capacity == 55 and resource.accessible
    entry = AuditEntry.objects.get(action="resource.update")
    assert entry.data["changed"]["capacity"] == [40, 55]


def test_update_refuses_changing_category_and_writes_nothing():
    resource = ResourceFactory(capacity=40)
    with pytest.raises(ServiceError) as exc:
        update_resource(actor=unit_admin(resource.unit), resource=resource,
                        data=ResourceFields(category="HALL", capacity=50))
    assert ("INVALID", "category") in codes(exc)
    resource.refresh_from_db()
    assert resource.capacity == 40 and resource.category == "CANTEEN"


def test_archiving_hides_the_resource_from_listings():
    resource = ResourceFactory()
    update_resource(actor=unit_admin(resource.unit), resource=resource, data=ResourceFields(), archived=True)
    assert not Resource.objects.listed().filter(pk=resource.pk).exists()
    assert AuditEntry.objects.filter(action="resource.archive").count() == 1


def test_update_by_another_units_admin_is_denied():
    resource = ResourceFactory()
    with pytest.raises(ServiceError) as exc:
        update_resource(actor=unit_admin(WorkUnitFactory()), resource=resource, data=ResourceFields(capacity=9))
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
