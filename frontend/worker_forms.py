"""Forms of the community worker's pages: residents, proxy booking, needs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend import labels
from frontend.forms import AccessibleForm, category_choices, weekday_choices
from frontend.unit_forms import DATE, TIME


class ResidentForm(AccessibleForm):
    verified = forms.BooleanField(label=_("Residency checked (lives in this community)"), required=False)
    disabled = forms.BooleanField(label=_("Has a disability"), required=False)
    consentRecorded = forms.BooleanField(
        label=_("The resident agreed in writing that the disability is recorded"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("disabled") and not data.get("consentRecorded"):
            self.add_error("consentRecorded", _("Record the resident's consent before setting the disability."))
        return data


class NeedForm(AccessibleForm):
    category = forms.ChoiceField(label=_("Kind"), choices=lambda: category_choices(blank=False))
    title = forms.CharField(label=_("Title"), max_length=120)
    quantity = forms.IntegerField(label=_("How many (people, cars or bookings)"), min_value=1, max_value=100000)
    weekdayPattern = forms.ChoiceField(label=_("Days"),
                                       choices=lambda: labels.choices(labels.WEEKDAY_PATTERN))
    weekdays = forms.TypedMultipleChoiceField(label=_("Which day (for one day a week)"), coerce=int,
                                              required=False, choices=weekday_choices,
                                              widget=forms.CheckboxSelectMultiple)
    startTime = forms.TimeField(label=_("From"), widget=TIME)
    endTime = forms.TimeField(label=_("To"), widget=TIME)
    endsNextDay = forms.BooleanField(label=_("Ends the next day (overnight)"), required=False)
    startsOn = forms.DateField(label=_("First day"), widget=DATE)
    endsOn = forms.DateField(label=_("Last day"), widget=DATE)
    targetGroup = forms.ChoiceField(label=_("For whom"),
                                    choices=lambda: labels.choices(labels.TARGET_GROUP))
    maxDistanceM = forms.IntegerField(label=_("Farthest distance (metres)"), min_value=100,
                                      max_value=20000, initial=1500)
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, initial=3,
                                      choices=[(i, str(i)) for i in range(1, 6)])
    sourceRef = forms.CharField(label=_("Reference (for example a hotline ticket)"),
                                required=False, max_length=60)

    EDITABLE = ("title", "quantity", "startsOn", "endsOn", "maxDistanceM", "priority")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            for name in list(self.fields):
                if name not in self.EDITABLE:
                    del self.fields[name]

    def variables(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in ("startTime", "endTime"):
            if key in data:
                data[key] = data[key].strftime("%H:%M")
        for key in ("startsOn", "endsOn"):
            if key in data:
                data[key] = data[key].isoformat()
        if "weekdays" in data and not data["weekdays"]:
            data.pop("weekdays")
        if "sourceRef" in data and not data["sourceRef"]:
            data.pop("sourceRef")
        return data


class CloseNeedForm(AccessibleForm):
    reason = forms.CharField(label=_("Why is it closed?"), max_length=200)


class CreateResidentForm(AccessibleForm):
    """An account for a resident without a phone (createResident); the key makes a double submit safe."""

    SEXES = [("", _("Not given")), ("FEMALE", _("Female")), ("MALE", _("Male"))]
    fullName = forms.CharField(label=_("Full name"), max_length=60)
    birthDate = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    phone = forms.CharField(label=_("Mobile number (a family member's will do)"), required=False, max_length=20,
                            help_text=_("Leave empty if there is none."))
    sex = forms.ChoiceField(label=_("Sex (for bathhouse sessions)"), required=False, choices=SEXES)
    verified = forms.BooleanField(label=_("Residency checked (lives in this community)"), required=False)
    idempotencyKey = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def variables(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {"fullName": data["fullName"], "verified": bool(data.get("verified"))}
        if data.get("birthDate"):
            out["birthDate"] = data["birthDate"].isoformat()
        for key in ("phone", "sex", "idempotencyKey"):
            if data.get(key):
                out[key] = data[key].strip()
        return out
