"""Test doubles selected by settings (NOTIFICATIONS_CHANNELS, SMS_GATEWAY)."""

from __future__ import annotations

from typing import Any


class ChannelDown(Exception):
    pass


class WorkerKilled(BaseException):
    """Stands for kill -9 during a send: nothing after it runs in the sender."""


class AlwaysFailingChannel:
    def reaches(self, user: Any) -> bool:
        return True

    def send(self, user: Any, title: str, message: str) -> None:
        raise ChannelDown("gateway refused the message")


class CrashingChannel:
    def reaches(self, user: Any) -> bool:
        return True

    def send(self, user: Any, title: str, message: str) -> None:
        raise WorkerKilled


class RecordingSmsGateway:
    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        RecordingSmsGateway.sent.append((phone, text))
