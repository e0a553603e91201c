"""`python manage.py add_user USERNAME --role ROLE [...]` (docs/CLI.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ServiceError
from marketplace.models import Community, Role, WorkUnit
from marketplace.services.people import grant_role

ROLE_NAMES = {"resident": Role.RESIDENT, "unit_admin": Role.UNIT_ADMIN, "unit_staff": Role.UNIT_STAFF,
              "community_worker": Role.COMMUNITY_WORKER, "district_staff": Role.DISTRICT_STAFF}


def find_community(given: str) -> Community:
    """The community a `--community` value names: its name, `SUBDISTRICT/NAME`, or its id.

    A name that several subdistricts use is refused with the choices, each as `SUBDISTRICT/NAME`.
    """
    text = given.strip()
    communities = Community.objects.select_related("subdistrict").order_by("subdistrict__name", "name", "pk")
    if text.isascii() and text.isdigit():
        by_id = communities.filter(pk=int(text)).first()
        if by_id is not None:
            return by_id
    if "/" in text:
        subdistrict, _, name = (part.strip() for part in text.rpartition("/"))
        matches = list(communities.filter(subdistrict__name=subdistrict, name=name)[:2])
    else:
        matches = list(communities.filter(name=text)[:50])
    if not matches:
        raise CommandError(f"No community {given!r} (give NAME, SUBDISTRICT/NAME or an id)", returncode=2)
    if len(matches) > 1:
        choices = "\n".join(f"  {c.subdistrict.name}/{c.name}  (id {c.pk})" for c in matches)
        raise CommandError(f"Several communities are named {given!r}; choose one:\n{choices}", returncode=2)
    return matches[0]


class Command(BaseCommand):
    help = "Creates a user, or adds a role to an existing one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_NAMES))
        parser.add_argument("--community", help="community: NAME, SUBDISTRICT/NAME or its id "
                                                "(residents, community workers)")
        parser.add_argument("--unit", help="work unit name (unit admins, unit staff)")
        parser.add_argument("--birth-date", help="YYYY-MM-DD")
        parser.add_argument("--email", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument("--password", default=None)
        parser.add_argument("--name", default="", help="full name shown to others (masked)")
        parser.add_argument("--verified", action="store_true", help="mark the residency as checked")

    def handle(self, *args: Any, **o: Any) -> None:
        role = ROLE_NAMES[o["role"]]
        birth = None
        if o["birth_date"]:
            try:
                birth = dt.date.fromisoformat(o["birth_date"])
            except ValueError:
                raise CommandError("--birth-date must be YYYY-MM-DD", returncode=2) from None
        community = unit = None
        if o["community"]:
            community = find_community(o["community"])
        if o["unit"]:
            unit = WorkUnit.objects.filter(name=o["unit"]).first()
            if unit is None:
                raise CommandError(f"No work unit named {o['unit']!r}", returncode=2)
        try:
            user = grant_role(actor=None, username=o["username"], role=role, community=community, unit=unit,
                              full_name=o["name"], birth_date=birth, email=o["email"], phone=o["phone"],
                              password=o["password"], verified=o["verified"])
        except ServiceError as exc:
            lines = [f"{e.field or 'input'}: {e.message}" for e in exc.errors]
            raise CommandError("\n".join(lines), returncode=2) from exc
        self.stdout.write(f"{user.username}: {', '.join(user.roles)}")
