from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangxian.core.forms import Form

from .models import Accountability, Answer, Case

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = forms.TextInput(attrs={"class": "form-control"})
AREA = forms.Textarea(attrs={"class": "form-control", "rows": 4})
SELECT = forms.Select(attrs={"class": "form-select"})


def _dt(label, required=True):
    return forms.DateTimeField(label=label, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], required=required)


class CaseForm(Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, widget=SELECT)
    title = forms.CharField(label=_("Matter"), max_length=200, widget=TEXT)
    requirement = forms.CharField(label=_("What the unit must do"), widget=AREA)
    evidence = forms.CharField(label=_("Evidence"), widget=AREA, required=False)
    due_at = _dt(_("Answer by"))
    onsite = forms.BooleanField(
        label=_("Finding of an on-site check"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class AnswerForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Answer.Kind.choices, widget=SELECT)
    text = forms.CharField(label=_("Answer"), widget=AREA)


class DecideForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(d.value, d.label) for d in (Answer.Decision.ACCEPTED, Answer.Decision.RETURNED, Answer.Decision.ESCALATED)],
        widget=SELECT,
    )
    note = forms.CharField(label=_("Opinion"), widget=AREA, required=False)
    due_at = _dt(_("New deadline (return or escalate)"), required=False)


class DismissForm(Form):
    reason = forms.CharField(label=_("Reason for dismissal"), max_length=200, widget=TEXT)


class AccountabilityForm(Form):
    measure = forms.ChoiceField(label=_("Measure"), choices=Accountability.Measure.choices, widget=SELECT)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, widget=SELECT)
    person_name = forms.CharField(label=_("Person's name"), max_length=60, widget=TEXT)
    day = forms.DateField(label=_("Date"), widget=DATE, input_formats=["%Y-%m-%d"])
    note = forms.CharField(label=_("Facts and reasons"), widget=AREA, required=False)
    cases = forms.ModelMultipleChoiceField(
        label=_("Supervision notices"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"class": "form-select"})
    )

    def __init__(self, *args, units, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["cases"].queryset = cases
        self.fields["cases"].label_from_instance = lambda case: str(case)


STATUS_FILTER = [("", _("All")), ("open", _("Open")), *[(s.value, s.label) for s in Case.Status]]
