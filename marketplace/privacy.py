"""Personal data shown to other people: the one helper used everywhere.

The person themself, district staff and the community worker of the person's community see personal
data in full; everyone else sees a masked name (张*明), a masked phone (138****1234), a masked e-mail
and no birth date or disability (docs/ARCHITECTURE.md "Personal data").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import Role, User


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, Alice Smith → A**** S****."""
    name = (name or "").strip()
    if not name:
        return ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        if len(name) <= 2:
            return name[0] + "*"
        return name[0] + "*" * (len(name) - 2) + name[-1]
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; short numbers keep only their last two digits."""
    digits = (phone or "").strip()
    if not digits:
        return ""
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_email(email: str) -> str:
    """wang.li@example.com → w***@example.com."""
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def may_see_personal(viewer: User | None, person: User) -> bool:
    """True for the person, district staff, and the worker of the person's home community."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.pk == person.pk or viewer.is_district_staff:
        return True
    worker_community = viewer.worker_community_id
    return worker_community is not None and worker_community == person.home_community_id


@dataclass(frozen=True)
class PersonView:
    """A person as `viewer` may see them; hidden fields are None."""

    name: str
    phone: str | None
    email: str | None
    birth_date: dt.date | None
    is_disabled: bool | None
    full: bool


def person_view(viewer: User | None, person: User) -> PersonView:
    if may_see_personal(viewer, person):
        return PersonView(name=person.display_name, phone=person.phone or None, email=person.email or None,
                          birth_date=person.birth_date, is_disabled=person.is_disabled, full=True)
    return PersonView(name=mask_name(person.display_name), phone=mask_phone(person.phone) or None,
                      email=mask_email(person.email) or None, birth_date=None, is_disabled=None, full=False)


def display_name_for(viewer: User | None, person: User) -> str:
    return person_view(viewer, person).name


__all__ = ["PersonView", "Role", "display_name_for", "mask_email", "mask_name", "mask_phone",
           "may_see_personal", "person_view"]
