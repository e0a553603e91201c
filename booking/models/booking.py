"""Bookings, standing bookings and suspensions. Written only by `booking.services`.

A booking takes `quantity` of one slot (a multi-slot request makes one booking per slot, grouped by
`group`). PENDING, CONFIRMED and CHECKED_IN count in the slot's `booked` (I1); WAITLISTED does not.
A resident has at most one active booking per slot (a partial unique constraint).
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.enums import BookingStatus
from marketplace.models import Community, Resource, User

COUNTED = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
ACTIVE = (*COUNTED, BookingStatus.WAITLISTED)
FINAL = (BookingStatus.CANCELLED, BookingStatus.REJECTED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)


def new_calendar_secret() -> str:
    return secrets.token_urlsafe(24)


class StandingBooking(models.Model):
    """"These weekdays at this time until a date": each occurrence is a Booking with `standing` set."""

    user = models.ForeignKey(User, models.CASCADE, related_name="standing_bookings", verbose_name=_("resident"))
    resource = models.ForeignKey(Resource, models.CASCADE, related_name="standing_bookings",
                                 verbose_name=_("resource"))
    weekdays = models.JSONField(_("weekdays"))
    start_time = models.TimeField(_("start time"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    active = models.BooleanField(_("active"), default=True)
    booked_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    plate_number = models.CharField(_("plate number"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("standing booking")
        verbose_name_plural = _("standing bookings")

    def __str__(self) -> str:
        return f"standing {self.pk} {self.weekdays} {self.start_time:%H:%M}"


class BookingQuerySet(models.QuerySet["Booking"]):
    def counted(self) -> BookingQuerySet:
        return self.filter(status__in=COUNTED)

    def active(self) -> BookingQuerySet:
        return self.filter(status__in=ACTIVE)


class Booking(models.Model):
    resource = models.ForeignKey(Resource, models.PROTECT, related_name="bookings", verbose_name=_("resource"))
    slot = models.ForeignKey("booking.Slot", models.PROTECT, related_name="bookings", verbose_name=_("slot"))
    user = models.ForeignKey(User, models.PROTECT, related_name="bookings", verbose_name=_("resident"))
    community = models.ForeignKey(Community, models.SET_NULL, null=True, blank=True, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    attendees = models.PositiveIntegerField(_("attendees"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=BookingStatus.choices)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    plate_number = models.CharField(_("plate number"), max_length=10, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    check_in_code = models.CharField(_("check-in code"), max_length=6)
    calendar_secret = models.CharField(max_length=64, default=new_calendar_secret, unique=True, editable=False)
    booked_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("booked by"))
    standing = models.ForeignKey(StandingBooking, models.SET_NULL, null=True, blank=True, related_name="bookings")
    quota_slot = models.ForeignKey("booking.QuotaSlot", models.SET_NULL, null=True, blank=True, related_name="+")
    group = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    no_show_cleared_at = models.DateTimeField(_("no-show cleared at"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(fields=["user", "slot"], condition=models.Q(status__in=ACTIVE),
                                    name="booking_one_active_per_user_slot"),
            models.UniqueConstraint(fields=["slot", "check_in_code"], name="booking_code_unique_per_slot"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="booking_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["slot", "status", "created_at"]),
            models.Index(fields=["user", "status"]),
            models.Index(fields=["resource", "start"]),
        ]

    def __str__(self) -> str:
        return f"booking {self.pk} {self.status}"

    @property
    def waitlist_position(self) -> int | None:
        """1-based place among the slot's WAITLISTED entries (first in, first out); None otherwise.
        Reads the database: batch it for lists."""
        if self.status != BookingStatus.WAITLISTED:
            return None
        earlier = Booking.objects.filter(slot_id=self.slot_id, status=BookingStatus.WAITLISTED).filter(
            models.Q(created_at__lt=self.created_at) | models.Q(created_at=self.created_at, id__lt=self.pk))
        return earlier.count() + 1

    @property
    def is_final(self) -> bool:
        return self.status in FINAL


class Suspension(models.Model):
    """Booking suspended until `until` (three no-shows in 30 days suspend for 14 days)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="booking_suspensions")
    starts_at = models.DateTimeField()
    until = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=200, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("booking suspension")
        verbose_name_plural = _("booking suspensions")

    def __str__(self) -> str:
        return f"{self.user_id} until {self.until:%Y-%m-%d}"
