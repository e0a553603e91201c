from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ErrorCode, ServiceError
from marketplace.models import AuditEntry, Role
from marketplace.models.audit import AppendOnlyError
from marketplace.privacy import mask_email, mask_name, mask_phone, person_view
from marketplace.services.people import grant_role, update_resident
from tests.factories import (
    CommunityFactory,
    WorkUnitFactory,
    community_worker,
    district_staff,
    resident,
    unit_admin,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "masked"), [("张三明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"),
                                              ("Alice Smith", "A**** S****"), ("", "")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_phone_and_email():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_email("wang.li@example.com") == "w***@example.com"


def test_who_sees_personal_data():
    # given
    home, elsewhere = CommunityFactory(), CommunityFactory()
    person = resident(home, full_name="张三明", phone="13812341234", born=dt.date(1950, 3, 1))
    unit = WorkUnitFactory()
    viewers = {
        "self": (person, True),
        "worker of home": (community_worker(home), True),
        "worker elsewhere": (community_worker(elsewhere), False),
        "staff": (district_staff(), True),
        "unit admin": (unit_admin(unit), False),
        "other resident": (resident(home), False),
        "anonymous": (None, False),
    }
    for label, (viewer, full) in viewers.items():
        # when
        view = person_view(viewer, person)
        # then
        assert view.full is full, label
        assert view.name == ("张三明" if full else "张*明"), label
        assert view.phone == ("13812341234" if full else "138****1234"), label
        assert view.birth_date == (dt.date(1950, 3, 1) if full else None), label


def test_a_user_may_hold_several_roles():
    unit, home = WorkUnitFactory(), CommunityFactory()
    user = grant_role(actor=None, username="li", role=Role.UNIT_ADMIN, unit=unit)
    grant_role(actor=None, username="li", role=Role.RESIDENT, community=home)
    user.forget_roles()
    assert user.roles == [Role.RESIDENT, Role.UNIT_ADMIN]
    assert user.unit_id == unit.pk and user.community_id == home.pk


def test_granting_a_role_needs_its_scope():
    with pytest.raises(ServiceError) as exc:
        grant_role(actor=None, username="li", role=Role.RESIDENT)
    assert (exc.value.code, exc.value.errors[0].field) == (ErrorCode.INVALID, "community")


def test_worker_verifies_residency_and_records_who_and_when():
    home = CommunityFactory()
    worker = community_worker(home)
    person = resident(home, verified=False)
    assert not person.residency_verified
    update_resident(actor=worker, resident=person, verified=True)
    person.forget_roles()
    membership = person.membership(Role.RESIDENT)
    assert membership.verified_by == worker and membership.verified_at is not None


def test_disability_flag_needs_consent_and_is_audited():
    home = CommunityFactory()
    worker = community_worker(home)
    person = resident(home)
    with pytest.raises(ServiceError) as exc:
        update_resident(actor=worker, resident=person, disabled=True)
    assert exc.value.errors[0].field == "consentRecorded"
    person.refresh_from_db()
    assert not person.is_disabled
    update_resident(actor=worker, resident=person, disabled=True, consent_recorded=True)
    person.refresh_from_db()
    assert person.is_disabled and person.disability_consent_by == worker
    assert AuditEntry.objects.filter(action="resident.disability", object_id=str(person.pk)).exists()


def test_worker_of_another_community_may_not_verify():
    person = resident(CommunityFactory(), verified=False)
    with pytest.raises(ServiceError) as exc:
        update_resident(actor=community_worker(CommunityFactory()), resident=person, verified=True)
    assert exc.value.code == ErrorCode.PERMISSION_DENIED


def test_elderly_and_disabled_groups():
    person = resident(CommunityFactory(), born=dt.date(1966, 6, 1))
    assert person.eligible_groups(dt.date(2026, 5, 31)) == ["ANYONE"]
    assert person.eligible_groups(dt.date(2026, 6, 1)) == ["ANYONE", "ELDERLY"]


def test_audit_log_is_append_only():
    grant_role(actor=None, username="li", role=Role.DISTRICT_STAFF)
    entry = AuditEntry.objects.first()
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(reason="x")


@pytest.mark.postgres
def test_audit_log_refuses_sql_updates_on_postgres(postgres_only):
    from django.db import DatabaseError, connection, transaction

    grant_role(actor=None, username="li", role=Role.DISTRICT_STAFF)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE marketplace_auditentry SET reason = 'x'")
