"""The contract's enums (shared/api/contract.graphql), with zh-hans/en labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceCategory(models.TextChoices):
    CANTEEN = "CANTEEN", _("Canteen")
    PARKING = "PARKING", _("Parking")
    HALL = "HALL", _("Hall")
    BATHHOUSE = "BATHHOUSE", _("Bathhouse")
    OTHER = "OTHER", _("Other")


class BookingMode(models.TextChoices):
    SHARED = "SHARED", _("Shared (many bookings up to capacity)")
    EXCLUSIVE = "EXCLUSIVE", _("Exclusive (one booking takes the slot)")


class TargetGroup(models.TextChoices):
    ANYONE = "ANYONE", _("Anyone")
    ELDERLY = "ELDERLY", _("Elderly (60+)")
    DISABLED = "DISABLED", _("Residents with a disability")


class Sex(models.TextChoices):
    ANY = "ANY", _("Any")
    MALE = "MALE", _("Men")
    FEMALE = "FEMALE", _("Women")


class WorkUnitKind(models.TextChoices):
    MINISTRY = "MINISTRY", _("Ministry")
    ENTERPRISE = "ENTERPRISE", _("Enterprise")
    UNIVERSITY = "UNIVERSITY", _("University")
    HOSPITAL = "HOSPITAL", _("Hospital")
    SCHOOL = "SCHOOL", _("School")
    OTHER = "OTHER", _("Other")


class Role(models.TextChoices):
    RESIDENT = "RESIDENT", _("Resident")
    UNIT_ADMIN = "UNIT_ADMIN", _("Unit admin")
    UNIT_STAFF = "UNIT_STAFF", _("Unit staff")
    COMMUNITY_WORKER = "COMMUNITY_WORKER", _("Community worker")
    DISTRICT_STAFF = "DISTRICT_STAFF", _("District staff")
