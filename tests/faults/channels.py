"""Outside channels for fault tests (selected by FAULT_CHANNELS in the started processes).

Every send is appended as one line "<user id> <title>" to the file FAULT_SEND_LOG, so the test can
count deliveries (at least once) across processes that it kills."""

from __future__ import annotations

import os
import time
from typing import Any


def _log(user: Any, title: str) -> None:
    path = os.environ.get("FAULT_SEND_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{user.pk} {title}\n")


class RecordingChannel:
    """Reaches users with an e-mail address; sleeps FAULT_SEND_DELAY seconds per send (a slow gateway)."""

    def reaches(self, user: Any) -> bool:
        return bool(getattr(user, "email", ""))

    def send(self, user: Any, title: str, message: str) -> None:
        time.sleep(float(os.environ.get("FAULT_SEND_DELAY", "0")))
        _log(user, title)


class FailingChannel:
    """A gateway that refuses every message."""

    def reaches(self, user: Any) -> bool:
        return True

    def send(self, user: Any, title: str, message: str) -> None:
        raise ConnectionError("the gateway refused the message")


class WorkerKillingChannel:
    """Kills the process that sends (as kill -9 would) — a poison message."""

    def reaches(self, user: Any) -> bool:
        return bool(getattr(user, "phone", ""))

    def send(self, user: Any, title: str, message: str) -> None:
        _log(user, "killed")
        os._exit(137)
