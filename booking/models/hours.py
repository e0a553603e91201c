"""Opening hours: the resource's django-scheduler Calendar and a plain mirror of its windows.

The django-scheduler Events (frequency DAILY with `byweekday`, docs/ARCHITECTURE.md "Opening hours") are the recurrence
record; `OpeningWindow` mirrors each event's window in the API's shape so lists
(`Resource.openingHours`) and slot expansion read one table without expanding events per row.
Both are written only by `booking.services.availability`, always together.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.models import Resource, Sex


class ResourceHours(models.Model):
    """One per resource with opening hours: its Calendar and how far slots are materialised."""

    resource = models.OneToOneField(Resource, models.CASCADE, related_name="hours", verbose_name=_("resource"))
    calendar = models.OneToOneField("schedule.Calendar", models.PROTECT, related_name="+",
                                    verbose_name=_("calendar"))
    materialised_until = models.DateField(_("slots stored until"), null=True, blank=True)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.resource_id}"


class OpeningWindow(models.Model):
    resource = models.ForeignKey(Resource, models.CASCADE, related_name="opening_windows",
                                 verbose_name=_("resource"))
    event = models.OneToOneField("schedule.Event", models.SET_NULL, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    weekdays = models.JSONField(_("weekdays"), help_text=_("0 = Monday .. 6 = Sunday"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    ends_next_day = models.BooleanField(_("ends the next day"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity per slot"), null=True, blank=True,
                                           help_text=_("Empty: the resource's capacity."))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.ANY)

    class Meta:
        ordering = ["resource_id", "position", "id"]
        verbose_name = _("opening window")
        verbose_name_plural = _("opening windows")

    def __str__(self) -> str:
        return f"{self.weekdays} {self.start_time:%H:%M}-{self.end_time:%H:%M}"
