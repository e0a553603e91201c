"""Outside channels behind one interface.

A `Channel` says whether it can reach a user and sends a rendered title and message; it raises on
failure (the delivery service counts the attempt and retries with backoff). Channels are selected by
`settings.NOTIFICATIONS_CHANNELS` ({name: dotted path}); SMS goes through an `SmsGateway` selected by
`settings.SMS_GATEWAY` (the console gateway by default, which only logs).
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Protocol

from django.core.checks import CheckMessage, Error
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from marketplace.privacy import mask_phone

from . import conf

logger = logging.getLogger(__name__)


class Channel(Protocol):
    def reaches(self, user: Any) -> bool:
        """Whether the user has an address on this channel."""
        ...

    def send(self, user: Any, title: str, message: str) -> None:
        """Sends one message; raises on failure."""
        ...


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Sends one text message; raises on failure."""
        ...


class EmailChannel:
    def reaches(self, user: Any) -> bool:
        return bool(getattr(user, "email", ""))

    def send(self, user: Any, title: str, message: str) -> None:
        send_mail(subject=title, message=message, from_email=None, recipient_list=[user.email],
                  fail_silently=False)


class ConsoleSmsGateway:
    """For development and demos: writes the message to the log (the number masked)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


class SmsChannel:
    def __init__(self, gateway: SmsGateway | None = None):
        self._gateway = gateway

    @property
    def gateway(self) -> SmsGateway:
        """Loaded when sending, so deciding who can be reached never depends on the gateway."""
        if self._gateway is None:
            self._gateway = import_string(conf.sms_gateway())()
        return self._gateway

    def reaches(self, user: Any) -> bool:
        return bool(getattr(user, "phone", ""))

    def send(self, user: Any, title: str, message: str) -> None:
        self.gateway.send(user.phone, f"{title}: {message}")


@functools.lru_cache(maxsize=32)
def _channel_class(path: str) -> type[Channel]:
    return import_string(path)  # type: ignore[no-any-return]


def get_channel(name: str) -> Channel:
    """The configured channel of that name. Raises KeyError for a name no longer configured."""
    return _channel_class(conf.channels()[name])()


def channels_reaching(user: Any) -> list[str]:
    """Names of the configured channels that can reach the user, in configuration order."""
    return [name for name, path in conf.channels().items() if _channel_class(path)().reaches(user)]


def check_configuration(**kwargs: Any) -> list[CheckMessage]:
    """A system check: every configured channel and the SMS gateway can be imported, so a typo in
    the settings stops the deploy instead of failing notifications (or bookings) later."""
    errors: list[CheckMessage] = []
    paths = [("NOTIFICATIONS_CHANNELS", path) for path in conf.channels().values()]
    paths.append(("SMS_GATEWAY", conf.sms_gateway()))
    for setting, path in paths:
        try:
            import_string(path)
        except ImportError as exc:
            errors.append(Error(f"{setting}: cannot import {path!r} ({exc})", id="notifications.E001"))
    return errors
