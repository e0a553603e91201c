"""What units share. Opening hours, slots and figures live in `booking/`."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.enums import BookingMode, ResourceCategory, TargetGroup

from .district import WorkUnit


class ResourceQuerySet(models.QuerySet["Resource"]):
    def listed(self) -> ResourceQuerySet:
        """Resources that take bookings and appear in search: not archived."""
        return self.filter(archived_at__isnull=True)

    def of_unit(self, unit_id: int) -> ResourceQuerySet:
        return self.filter(unit_id=unit_id)


class Resource(models.Model):
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=ResourceCategory.choices)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(WorkUnit, models.PROTECT, related_name="resources", verbose_name=_("work unit"))
    address = models.CharField(_("address"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    capacity = models.PositiveIntegerField(
        _("capacity"), help_text=_("Shared capacity per slot (seats, spaces, places); for a hall, people it holds.")
    )
    booking_mode = models.CharField(_("booking mode"), max_length=20, choices=BookingMode.choices,
                                    default=BookingMode.SHARED)
    target_group = models.CharField(_("target group"), max_length=20, choices=TargetGroup.choices,
                                    default=TargetGroup.ANYONE)
    requires_approval = models.BooleanField(_("requires approval"), default=False)
    accessible = models.BooleanField(_("step-free access"), default=False)
    check_in_required = models.BooleanField(_("check-in required"), default=False)
    follows_holiday_calendar = models.BooleanField(_("follows the holiday calendar"), default=False)
    booking_opens_days_before = models.PositiveIntegerField(_("booking opens (days before)"), default=14)
    booking_closes_minutes_before = models.PositiveIntegerField(_("booking closes (minutes before)"),
                                                                default=30)
    cancel_until_minutes_before = models.PositiveIntegerField(_("cancel until (minutes before)"), default=0)
    max_active_per_resident = models.PositiveIntegerField(_("active bookings per resident"), default=10)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    demo_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="resource_capacity_positive"),
            models.CheckConstraint(condition=models.Q(max_active_per_resident__gte=1),
                                   name="resource_limit_positive"),
        ]
        indexes = [
            models.Index(fields=["category", "archived_at"]),
            models.Index(fields=["lat", "lon"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    # The booking window: the one definition of when a slot of this resource may be booked.
    def booking_opens_at(self, start: dt.datetime) -> dt.datetime:
        return start - dt.timedelta(days=self.booking_opens_days_before)

    def booking_closes_at(self, start: dt.datetime) -> dt.datetime:
        """The cutoff: booking and the waitlist close, the kitchen sheet becomes final."""
        return start - dt.timedelta(minutes=self.booking_closes_minutes_before)

    def booking_open(self, start: dt.datetime, now: dt.datetime) -> bool:
        """Whether a slot starting at `start` may be booked at `now`: opens <= now < closes."""
        after, until = self.bookable_starts(now)
        return after < start <= until

    def bookable_starts(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """(after, until): the slots that may be booked at `now` start after `after`, up to `until`
        inclusive — `booking_open` for many slots at once (opens <= now ⇔ start <= now + opens-before;
        now < closes ⇔ now + closes-before < start)."""
        return (now + dt.timedelta(minutes=self.booking_closes_minutes_before),
                now + dt.timedelta(days=self.booking_opens_days_before))

    def last_bookable_moment(self, now: dt.datetime) -> dt.datetime:
        """The latest start a booking made now may reach (booking opens this long before)."""
        return now + dt.timedelta(days=self.booking_opens_days_before)

    @property
    def is_exclusive(self) -> bool:
        return self.booking_mode == BookingMode.EXCLUSIVE
