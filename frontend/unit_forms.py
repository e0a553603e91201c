"""Forms of the unit admin's pages: a resource with its opening-hours editor, closures, decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.clock import tz
from frontend import labels
from frontend.forms import AccessibleForm, category_choices, weekday_choices
from frontend.timeutil import iso

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# <input type=date> takes only ISO yyyy-mm-dd; the locale's 2026/12/02 would show as a blank field
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ResourceForm(AccessibleForm):
    """Publish (all fields) or edit (category and booking mode are fixed once published)."""

    name = forms.CharField(label=pgettext_lazy("resource", "Name"), max_length=100)
    category = forms.ChoiceField(label=_("Kind"), choices=lambda: category_choices(blank=False))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("Address"), max_length=200)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90,
                           widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180,
                           widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    capacity = forms.IntegerField(label=_("Shared capacity per slot"), min_value=1, max_value=100000)
    bookingMode = forms.ChoiceField(label=_("Booking mode"),
                                    choices=lambda: labels.choices(labels.BOOKING_MODE))
    targetGroup = forms.ChoiceField(label=_("Who may book"),
                                    choices=lambda: labels.choices(labels.TARGET_GROUP))
    requiresApproval = forms.BooleanField(label=_("We approve each booking"), required=False)
    accessible = forms.BooleanField(label=_("Step-free access"), required=False)
    checkInRequired = forms.BooleanField(label=_("Check-in required"), required=False)
    followsHolidayCalendar = forms.BooleanField(label=_("Closed on public holidays"), required=False,
                                                initial=True)
    bookingOpensDaysBefore = forms.IntegerField(label=_("Booking opens (days before)"),
                                                min_value=0, max_value=90, initial=14)
    bookingClosesMinutesBefore = forms.IntegerField(label=_("Booking closes (minutes before)"),
                                                    min_value=0, max_value=10080, initial=30)
    cancelUntilMinutesBefore = forms.IntegerField(label=_("Cancelling possible until (minutes before)"),
                                                  min_value=0, max_value=10080, initial=0)
    maxActivePerResident = forms.IntegerField(label=_("Active bookings per resident at most"),
                                              min_value=1, max_value=100, initial=10)

    FIXED_AFTER_PUBLISH = ("category", "bookingMode")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            for name in self.FIXED_AFTER_PUBLISH:
                del self.fields[name]

    def variables(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["location"] = {"lat": data.pop("lat"), "lon": data.pop("lon")}
        return data


class WindowForm(AccessibleForm):
    weekdays = forms.TypedMultipleChoiceField(label=_("Days"), coerce=int, choices=weekday_choices,
                                              widget=forms.CheckboxSelectMultiple)
    startTime = forms.TimeField(label=_("Opens"), widget=TIME)
    endTime = forms.TimeField(label=_("Closes"), widget=TIME)
    endsNextDay = forms.BooleanField(label=_("Closes the next day (overnight)"), required=False,
                                     widget=forms.CheckboxInput(attrs={"data-next-day": "1"}))
    capacity = forms.IntegerField(label=_("Places per slot"), min_value=1, required=False)
    sex = forms.ChoiceField(label=_("Session for"), choices=lambda: labels.choices(labels.SEX), initial="ANY")
    validFrom = forms.DateField(label=_("From"), required=False, widget=DATE)
    validTo = forms.DateField(label=_("To"), required=False, widget=DATE)

    def window(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {
            "weekdays": sorted(data["weekdays"]),
            "startTime": data["startTime"].strftime("%H:%M"),
            "endTime": data["endTime"].strftime("%H:%M"),
            "endsNextDay": bool(data.get("endsNextDay")),
            "sex": data.get("sex") or "ANY",
        }
        if data.get("capacity"):
            result["capacity"] = data["capacity"]
        for key in ("validFrom", "validTo"):
            if data.get(key):
                result[key] = data[key].isoformat()
        return result


WindowFormSet = forms.formset_factory(WindowForm, extra=1, can_delete=True, max_num=20)


def windows_of(formset: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """The windows to send and, index for index, the editor rows they came from (for errors)."""
    rows = [f for f in formset.forms if f.is_valid() and f.cleaned_data and not f.cleaned_data.get("DELETE")]
    return [f.window() for f in rows], rows


class CloseSlotsForm(AccessibleForm):
    start = forms.DateTimeField(label=_("Closed from"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    end = forms.DateTimeField(label=_("Closed until"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    reason = forms.CharField(label=_("Reason (residents are told)"), max_length=200)

    def variables(self, resource_id: str) -> dict[str, Any]:
        data = self.cleaned_data
        return {"resourceId": resource_id, "from": iso(_local(data["start"])), "to": iso(_local(data["end"])),
                "reason": data["reason"]}


def _local(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=tz()) if value.tzinfo is None else value


class DecisionForm(AccessibleForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
