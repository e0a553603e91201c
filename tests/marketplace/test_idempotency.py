from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from core.errors import ErrorCode, ServiceError
from marketplace.models import IdempotencyRecord
from marketplace.services.idempotency import claim_key
from tests.factories import district_staff

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NOW = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)


def test_the_same_key_replays_the_first_result_within_24_hours_of_the_injected_clock():
    # given
    user = district_staff()
    with transaction.atomic():
        claim = claim_key(user=user, key="k1", operation="op", payload={"a": 1}, now=NOW)
        claim.complete({"id": 7})
    # when
    later = claim_key(user=user, key="k1", operation="op", payload={"a": 1}, now=NOW + dt.timedelta(hours=23))
    # then
    assert later.replay == {"id": 7}


def test_after_24_hours_the_key_is_claimed_anew():
    user = district_staff()
    claim_key(user=user, key="k1", operation="op", payload={"a": 1}, now=NOW).complete({"id": 7})
    again = claim_key(user=user, key="k1", operation="op", payload={"a": 1}, now=NOW + dt.timedelta(hours=25))
    assert again.replay is None and again.record is not None
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_another_input_is_conflict():
    user = district_staff()
    claim_key(user=user, key="k1", operation="op", payload={"a": 1}, now=NOW).complete({"id": 7})
    with pytest.raises(ServiceError) as exc:
        claim_key(user=user, key="k1", operation="op", payload={"a": 2}, now=NOW)
    assert exc.value.code == ErrorCode.CONFLICT and exc.value.errors[0].field == "idempotencyKey"


def test_no_key_claims_nothing():
    claim = claim_key(user=district_staff(), key=None, operation="op", payload={})
    assert claim.record is None and claim.replay is None
    assert not IdempotencyRecord.objects.exists()
