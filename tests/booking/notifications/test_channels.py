"""Channel configuration."""

from __future__ import annotations

from booking.notifications.channels import check_configuration


def test_a_misconfigured_channel_or_gateway_is_a_system_check_error(settings):
    # given
    assert check_configuration() == []
    settings.NOTIFICATIONS_CHANNELS = {"email": "nowhere.Channel"}
    settings.SMS_GATEWAY = "booking.notifications.channels.NoSuchGateway"
    # when
    errors = check_configuration()
    # then
    assert [e.id for e in errors] == ["notifications.E001", "notifications.E001"]
