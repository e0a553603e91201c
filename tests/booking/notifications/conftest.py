from __future__ import annotations

import pytest

from tests.factories import CommunityFactory, resident

from .channels import RecordingSmsGateway


@pytest.fixture
def home(db):
    return CommunityFactory()


@pytest.fixture
def person(home):
    """A resident reachable by e-mail only."""
    return resident(home, email="li@example.com", phone="")


@pytest.fixture
def sms_log(settings):
    settings.SMS_GATEWAY = "tests.booking.notifications.channels.RecordingSmsGateway"
    RecordingSmsGateway.sent = []
    return RecordingSmsGateway.sent
