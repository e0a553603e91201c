"""What the matching app holds about a person (PIPL): their support of community needs. Registered
with marketplace's personal-data registry (`marketplace.services.personal_data`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marketplace.models import User
from marketplace.services.personal_data import DeletionReport, PersonalDataHolder, iso
from matching.models import NeedSupport


def export_supports(user: User) -> dict[str, Any]:
    supports = NeedSupport.objects.filter(user=user).select_related("need").order_by("pk")
    return {"supported_needs": [{"need": s.need.title, "since": iso(s.created_at)} for s in supports]}


def erase_supports(user: User, now: dt.datetime, report: DeletionReport) -> None:
    """A need's supporter count drops; the need itself is the community's and stays."""
    NeedSupport.objects.filter(user=user).delete()


HOLDER = PersonalDataHolder(name="matching", export=export_supports, erase=erase_supports)
