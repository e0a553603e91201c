"""The API's enums (schema.graphql), declared once, with zh-hans/en labels.

Models store their values (`models.CharField(choices=...)`); the GraphQL layer exposes each of them
from this one declaration (`core.graphql.enums`). A new value is added here and nowhere else.
"""

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


class BookingStatus(models.TextChoices):
    PENDING = "PENDING", _("Waiting for approval")
    CONFIRMED = "CONFIRMED", _("Confirmed")
    WAITLISTED = "WAITLISTED", _("On the waiting list")
    CANCELLED = "CANCELLED", _("Cancelled")
    REJECTED = "REJECTED", _("Rejected")
    CHECKED_IN = "CHECKED_IN", _("Checked in")
    NO_SHOW = "NO_SHOW", _("No-show")


class NotificationKind(models.TextChoices):


    BOOKING_CONFIRMED = "BOOKING_CONFIRMED", _("Booking confirmed")
    BOOKING_APPROVED = "BOOKING_APPROVED", _("Booking approved")
    BOOKING_REJECTED = "BOOKING_REJECTED", _("Booking rejected")
    WAITLIST_PROMOTED = "WAITLIST_PROMOTED", _("Promoted from the waitlist")
    BOOKING_CANCELLED = "BOOKING_CANCELLED", _("Booking cancelled")
    SLOT_CLOSED = "SLOT_CLOSED", _("Slot closed")
    REMINDER = "REMINDER", _("Reminder")
    ALLOCATION_PROPOSED = "ALLOCATION_PROPOSED", _("Match proposal")
    ALLOCATION_DECIDED = "ALLOCATION_DECIDED", _("Match proposal decided")
    NEED_UPDATED = "NEED_UPDATED", _("Need updated")


class WeekdayPattern(models.TextChoices):
    EVERY_DAY = "EVERY_DAY", _("Every day")
    WEEKDAYS = "WEEKDAYS", _("Monday to Friday")
    WEEKEND = "WEEKEND", _("Saturday and Sunday")
    ONE_DAY = "ONE_DAY", _("One day a week")


class NeedStatus(models.TextChoices):
    OPEN = "OPEN", _("Open")
    PARTLY_MATCHED = "PARTLY_MATCHED", _("Partly matched")
    MATCHED = "MATCHED", _("Matched")
    CLOSED = "CLOSED", _("Closed")


class UnservedReasonCode(models.TextChoices):
    NO_RESOURCE_IN_REACH = "NO_RESOURCE_IN_REACH", _("No resource of this kind within the distance")
    NO_WINDOW_FITS = "NO_WINDOW_FITS", _("No opening time fits")
    NOT_ELIGIBLE = "NOT_ELIGIBLE", _("No resource in reach accepts this group")
    CAPACITY_TAKEN = "CAPACITY_TAKEN", _("The capacity in reach is taken")
    DECLINED_BY_UNIT = "DECLINED_BY_UNIT", _("Declined by the unit")


class MatchRunStatus(models.TextChoices):
    QUEUED = "QUEUED", _("Queued")
    RUNNING = "RUNNING", _("Running")
    SUCCEEDED = "SUCCEEDED", _("Succeeded")
    FAILED = "FAILED", _("Failed")


class AllocationStatus(models.TextChoices):
    PROPOSED = "PROPOSED", _("Proposed")
    ACCEPTED = "ACCEPTED", _("Accepted")
    DECLINED = "DECLINED", _("Declined")
    SUPERSEDED = "SUPERSEDED", _("Superseded")


CONTRACT_ENUMS: tuple[type[models.TextChoices], ...] = (
    ResourceCategory, BookingMode, TargetGroup, Sex, WorkUnitKind, BookingStatus, NeedStatus, MatchRunStatus,
    AllocationStatus, Role, WeekdayPattern, UnservedReasonCode, NotificationKind,
)
