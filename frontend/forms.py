"""Plain Django forms of the web app. They check the shape of input (so a page works without
JavaScript and says what is wrong in the person's language); the rules live behind the API, whose
UserErrors are put back on these fields (`views.base.apply_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend import labels


class AccessibleForm(forms.Form):
    """Invalid fields carry aria-invalid and point at their error text; the first one gets autofocus,
    so focus lands on the first error with or without JavaScript."""

    def mark_errors(self) -> AccessibleForm:
        first = True
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            if name in self.errors:
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{name}-error"
                if first:
                    attrs["autofocus"] = True
                    first = False
            else:
                for key in ("aria-invalid", "aria-describedby", "autofocus"):
                    attrs.pop(key, None)
        return self


def category_choices(blank: bool = True) -> list[tuple[str, Any]]:
    head: list[tuple[str, Any]] = [("", _("All kinds"))] if blank else []
    return head + labels.choices(labels.CATEGORY)


def weekday_choices() -> list[tuple[int, Any]]:
    return list(enumerate(labels.WEEKDAY_SHORT))


class FindForm(AccessibleForm):
    WHEN = [("today", _("Today")), ("week", _("This week")), ("any", _("Any time"))]
    category = forms.ChoiceField(label=_("Kind"), required=False, choices=category_choices)
    when = forms.ChoiceField(label=_("Free places"), required=False, choices=WHEN, initial="week")
    search = forms.CharField(label=_("Name or address"), required=False, max_length=60)
    near_home = forms.BooleanField(label=_("Near my home first"), required=False, initial=True)


class BookForm(AccessibleForm):
    start = forms.CharField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Number of places"), min_value=1, max_value=50, initial=1)
    attendees = forms.IntegerField(label=_("People expected"), min_value=1, max_value=2000, required=False)
    plateNumber = forms.CharField(label=_("Plate number"), max_length=10, required=False,
                                  help_text=_("For example 京A12345."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    # set by the page from the slot's state (FULL): one button, "join the waiting list", no second box
    joinWaitlist = forms.BooleanField(required=False, widget=forms.HiddenInput)
    standing = forms.BooleanField(label=_("Book this every week"), required=False)
    weekdays = forms.TypedMultipleChoiceField(label=_("On these days"), required=False, coerce=int,
                                              choices=weekday_choices, widget=forms.CheckboxSelectMultiple)
    standingUntil = forms.DateField(label=_("Until"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, resource: dict[str, Any] | None = None, full: bool = False,
                 proxy: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        resource = resource or {}
        if full or proxy:  # the waiting list is for one slot; a worker books one slot for several people
            for name in ("standing", "weekdays", "standingUntil"):
                del self.fields[name]
        category, mode = resource.get("category"), resource.get("bookingMode")
        if category != "PARKING":
            del self.fields["plateNumber"]
        else:
            self.fields["plateNumber"].required = True
        if mode == "EXCLUSIVE":
            del self.fields["quantity"]
        else:
            del self.fields["attendees"]
        if category == "CANTEEN":
            self.fields["note"].label = _("Dietary note (for example halal, soft food)")
        elif category == "HALL":
            self.fields["note"].label = _("Purpose of the meeting")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("standing") and not data.get("standingUntil"):
            self.add_error("standingUntil", _("Choose the last day of the standing booking."))
        return data

    def variables(self, resource_id: str, for_residents: list[str] | None = None) -> dict[str, Any]:
        data = self.cleaned_data
        payload: dict[str, Any] = {
            "resourceId": resource_id,
            "start": data["start"],
            "quantity": data.get("quantity"),
            "attendees": data.get("attendees"),
            "plateNumber": (data.get("plateNumber") or "").strip().upper() or None,
            "note": data.get("note") or None,
            "joinWaitlist": data.get("joinWaitlist") or None,
            "forResidents": for_residents or None,
        }
        if data.get("standing"):
            payload["standingUntil"] = data["standingUntil"].isoformat()
            payload["weekdays"] = data.get("weekdays") or None
        return {k: v for k, v in payload.items() if v is not None}


class CancelForm(AccessibleForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
    wholeStanding = forms.BooleanField(label=_("Cancel every day of this standing booking"),
                                       required=False)


class CheckInForm(AccessibleForm):
    code = forms.RegexField(label=_("Check-in code"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": _("The code has 6 digits.")},
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class DeleteMyDataForm(AccessibleForm):
    confirm = forms.BooleanField(
        label=_("I understand: my future bookings are cancelled, my account is closed, and this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm.")})
