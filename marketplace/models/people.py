"""People and their roles.

A user may hold several roles (a unit admin can also be a resident): one `Membership` row per role,
tied to the community (residents, community workers) or the unit (unit admins, unit staff) it is
held in. A resident's membership records who verified the residency and when.
Personal fields (birth date, phone, e-mail, disability) are shown only through
`marketplace.privacy`, which masks them for viewers who may not see them.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.db.prepared import Param, Prepared
from core.enums import Role

from .district import Community, WorkUnit


def new_feed_secret() -> str:
    return secrets.token_urlsafe(24)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def of_role(self, role: str) -> MembershipQuerySet:
        return self.filter(role=role)


class Membership(models.Model):
    user = models.ForeignKey("User", models.CASCADE, related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    community = models.ForeignKey(Community, models.PROTECT, null=True, blank=True,
                                  related_name="memberships", verbose_name=_("community"))
    unit = models.ForeignKey(WorkUnit, models.PROTECT, null=True, blank=True,
                             related_name="memberships", verbose_name=_("work unit"))
    verified_by = models.ForeignKey("User", models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("verified by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="membership_one_per_role"),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=[Role.RESIDENT, Role.COMMUNITY_WORKER], community__isnull=False,
                             unit__isnull=True)
                    | models.Q(role__in=[Role.UNIT_ADMIN, Role.UNIT_STAFF], unit__isnull=False,
                               community__isnull=True)
                    | models.Q(role=Role.DISTRICT_STAFF, unit__isnull=True, community__isnull=True)
                ),
                name="membership_scope_matches_role",
            ),
        ]
        indexes = [models.Index(fields=["community", "role"]), models.Index(fields=["unit", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class User(AbstractUser):
    """A person. `full_name` is the name shown (masked for most viewers); `username` logs in."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=[("MALE", _("Male")), ("FEMALE", _("Female"))],
                           blank=True, help_text=_("Used only for single-sex bathhouse sessions."))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_disabled = models.BooleanField(_("has a disability"), default=False)
    disability_consent_at = models.DateTimeField(_("disability consent recorded at"), null=True, blank=True)
    disability_consent_by = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                              related_name="+", verbose_name=_("consent recorded by"))
    feed_secret = models.CharField(_("calendar feed secret"), max_length=64, default=new_feed_secret,
                                   unique=True, editable=False)
    demo = models.BooleanField(default=False, editable=False, help_text="created by load_demo")

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    # Role helpers read `memberships`; prefetch it for lists.
    def _memberships(self) -> list[Membership]:
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "memberships" in cache:
            return list(cache["memberships"])
        if not hasattr(self, "_membership_cache"):
            self._membership_cache = self._read_memberships() if self.pk else []
        return self._membership_cache

    def _read_memberships(self) -> list[Membership]:
        """`list(self.memberships.all())`, through a prepared statement (every token miss reads it)."""
        found = MEMBERSHIPS_OF.all(None, {"user": self.pk})
        user_field = Membership._meta.get_field("user")
        for membership in found:
            user_field.set_cached_value(membership, self)  # as the related manager does: no read of the user
        return found

    def forget_roles(self) -> None:
        """Drop cached memberships after a service changed them."""
        self.__dict__.pop("_membership_cache", None)
        getattr(self, "_prefetched_objects_cache", {}).pop("memberships", None)

    @property
    def roles(self) -> list[str]:
        order = list(Role.values)
        return sorted({m.role for m in self._memberships()}, key=order.index)

    def membership(self, role: str) -> Membership | None:
        return next((m for m in self._memberships() if m.role == role), None)

    def has_role(self, role: str) -> bool:
        return self.membership(role) is not None

    @property
    def home_community_id(self) -> int | None:
        m = self.membership(Role.RESIDENT)
        return m.community_id if m else None

    @property
    def worker_community_id(self) -> int | None:
        m = self.membership(Role.COMMUNITY_WORKER)
        return m.community_id if m else None

    @property
    def community_id(self) -> int | None:
        """The API's `User.community`: the home community, else the worker's community."""
        return self.home_community_id or self.worker_community_id

    @property
    def unit_id(self) -> int | None:
        m = self.membership(Role.UNIT_ADMIN) or self.membership(Role.UNIT_STAFF)
        return m.unit_id if m else None

    def administers_unit(self, unit_id: int | None) -> bool:
        m = self.membership(Role.UNIT_ADMIN)
        return bool(m and unit_id is not None and m.unit_id == unit_id)

    def works_at_unit(self, unit_id: int | None) -> bool:
        """Unit admins and unit staff (gate, kitchen) of that unit."""
        return unit_id is not None and any(
            m.unit_id == unit_id for m in self._memberships() if m.role in (Role.UNIT_ADMIN, Role.UNIT_STAFF)
        )

    @property
    def is_district_staff(self) -> bool:
        return self.has_role(Role.DISTRICT_STAFF)

    @property
    def residency_verified(self) -> bool:
        m = self.membership(Role.RESIDENT)
        return bool(m and m.verified_at)

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def eligible_groups(self, day: dt.date) -> list[str]:
        """The API's `eligibleGroups`: ANYONE always; ELDERLY at 60+; DISABLED by the flag."""
        groups = ["ANYONE"]
        age = self.age_on(day)
        if age is not None and age >= 60:
            groups.append("ELDERLY")
        if self.is_disabled:
            groups.append("DISABLED")
        return groups


MEMBERSHIPS_OF = Prepared(lambda _: Membership.objects.filter(user_id=Param("user", models.BigIntegerField())))
