from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.forms import Form
from fangxian.org.models import Place, Staff

from .models import Category, Decision, Direction, Visit

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.TextInput(attrs={"class": "form-control"})


def _dt(label):
    return forms.DateTimeField(label=label, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class LeaveForm(Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=200, widget=TEXT)
    destination = forms.CharField(label=_("Destination"), max_length=200, widget=TEXT)
    starts_at = _dt(pgettext_lazy("datetime", "From"))
    ends_at = _dt(_("Back by"))


class VisitForm(Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Visit._meta.get_field("kind").choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    campus = forms.ModelChoiceField(label=_("Campus"), queryset=Place.objects.none(), widget=forms.Select(attrs={"class": "form-select"}))
    name = forms.CharField(label=_("Visitor's name"), max_length=50, widget=TEXT)
    id_number = forms.CharField(label=_("ID number"), max_length=18, widget=TEXT)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, widget=TEXT)
    organisation = forms.CharField(label=pgettext_lazy("visitor", "Organisation"), max_length=100, required=False, widget=TEXT)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, widget=TEXT)
    starts_at = _dt(pgettext_lazy("datetime", "From"))
    ends_at = _dt(pgettext_lazy("datetime", "Until"))

    def __init__(self, *args, campuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = (
            campuses if campuses is not None else Place.objects.filter(kind=Place.Kind.CAMPUS, archived_at__isnull=True)
        )


class VisitRequestForm(VisitForm):
    host_number = forms.CharField(label=_("Host's staff number"), max_length=32, widget=TEXT)
    host_name = forms.CharField(label=_("Host's name"), max_length=50, widget=TEXT)

    def clean(self):
        data = super().clean()
        campus = data.get("campus")
        if campus and data.get("host_number") and data.get("host_name"):
            host = Staff.objects.filter(
                institution_id=campus.institution_id,
                staff_number=data["host_number"].strip(),
                name=data["host_name"].strip(),
                is_active=True,
            ).first()
            if host is None:
                raise forms.ValidationError(_("No member of staff with this number and name; ask your host for their staff number."))
            data["host"] = host
        return data


class VehicleForm(Form):
    plate = forms.CharField(label=_("Plate"), max_length=10, widget=TEXT)
    owner = forms.CharField(label=_("Owner or company"), max_length=100, widget=TEXT)
    campus = forms.ModelChoiceField(
        label=_("Campus"),
        queryset=Place.objects.none(),
        required=False,
        empty_label=_("Every campus"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    starts_at = _dt(pgettext_lazy("datetime", "From"))
    ends_at = _dt(pgettext_lazy("datetime", "Until"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False, widget=TEXT)

    def __init__(self, *args, campuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = campuses if campuses is not None else Place.objects.none()


class PolicyForm(Form):
    """Effective time, note, and one decision + window per category and direction
    (fields named rule-<category>-<direction>-decision/start/end)."""

    effective_at = _dt(_("Takes effect at"))
    note = forms.CharField(label=_("What changed and why"), max_length=300, widget=TEXT)

    def __init__(self, *args, initial_rules=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_rules = initial_rules or {}
        self.grid = []
        for category in Category:
            row = {"label": category.label, "cells": []}
            for direction in Direction:
                prefix = f"rule-{category.value}-{direction.value}"
                current = initial_rules.get((category.value, direction.value))
                self.fields[f"{prefix}-decision"] = forms.ChoiceField(
                    label=f"{category.label} · {direction.label}",
                    choices=Decision.choices,
                    initial=current.decision if current else Decision.REFUSE,
                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                )
                self.fields[f"{prefix}-start"] = forms.TimeField(
                    label=_("from"),
                    required=False,
                    initial=current.window_start if current else None,
                    widget=forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}, format="%H:%M"),
                )
                self.fields[f"{prefix}-end"] = forms.TimeField(
                    label=_("until"),
                    required=False,
                    initial=current.window_end if current else None,
                    widget=forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}, format="%H:%M"),
                )
                row["cells"].append(
                    {
                        "direction": direction.label,
                        "decision": self[f"{prefix}-decision"],
                        "start": self[f"{prefix}-start"],
                        "end": self[f"{prefix}-end"],
                    }
                )
            self.grid.append(row)

    def rules(self) -> list[dict]:
        rules = []
        for category in Category:
            for direction in Direction:
                prefix = f"rule-{category.value}-{direction.value}"
                rules.append(
                    {
                        "category": category.value,
                        "direction": direction.value,
                        "decision": self.cleaned_data[f"{prefix}-decision"],
                        "window_start": self.cleaned_data.get(f"{prefix}-start"),
                        "window_end": self.cleaned_data.get(f"{prefix}-end"),
                    }
                )
        return rules


class DeviceForm(Form):
    gate = forms.ModelChoiceField(label=_("Gate"), queryset=Place.objects.none(), widget=forms.Select(attrs={"class": "form-select"}))
    name = forms.CharField(label=_("Device name"), max_length=100, widget=TEXT)

    def __init__(self, *args, gates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gate"].queryset = gates if gates is not None else Place.objects.none()


class RevokeForm(Form):
    number = forms.CharField(label=_("Student or staff number"), max_length=32, widget=TEXT)
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=TEXT)
