from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.forms import Form

from .models import CareKind, FeverReferral, FollowUp, HelpRequest, Meal

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = forms.TextInput(attrs={"class": "form-control"})
AREA = forms.Textarea(attrs={"class": "form-control", "rows": 3})
SELECT = forms.Select(attrs={"class": "form-select"})
NUMBER = forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"})
CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})


def _dt(label, required: bool = True):
    return forms.DateTimeField(label=label, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], required=required)


def new_token() -> str:
    return uuid.uuid4().hex


class PlanForm(Form):
    student_number = forms.CharField(label=_("Student number"), max_length=32, widget=TEXT)
    kind = forms.ChoiceField(label=_("Kind of care"), choices=[("", _("Choose…")), *CareKind.choices], widget=SELECT)
    group_code = forms.ChoiceField(label=_("Special group"), required=False, widget=SELECT)
    owner_number = forms.CharField(
        label=_("Looked after by (staff number)"),
        max_length=32,
        required=False,
        widget=TEXT,
        help_text=_("Empty: the student's one-to-one staff member."),
    )
    interval_days = forms.IntegerField(label=_("Follow up every (days)"), min_value=1, max_value=90, initial=7, widget=NUMBER)
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=TEXT)

    def __init__(self, *args, groups: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group_code"].choices = [("", _("Choose…")), *sorted((groups or {}).items(), key=lambda kv: kv[1])]


class FollowUpForm(Form):
    at = _dt(_("Time"))
    mode = forms.ChoiceField(label=_("How"), choices=FollowUp.Mode.choices, widget=SELECT)
    content = forms.CharField(label=_("What was said and done"), max_length=2000, widget=AREA)
    needs_attention = forms.BooleanField(label=_("Needs further attention"), required=False, widget=CHECK)


class HelpForm(Form):
    kind = forms.ChoiceField(label=_("What do you need help with?"), choices=HelpRequest.Kind.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("What is the matter"), max_length=500, widget=AREA)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


class AnswerForm(Form):
    answer = forms.CharField(label=_("Answer"), max_length=500, widget=AREA)


class RatingForm(Form):
    canteen = forms.ChoiceField(label=_("Canteen"), widget=SELECT)
    meal = forms.ChoiceField(label=_("Meal"), choices=Meal.choices, widget=SELECT)
    score = forms.TypedChoiceField(
        label=_("Score"), coerce=int, choices=[(n, "★" * n) for n in range(5, 0, -1)], widget=forms.RadioSelect, initial=4
    )
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False, widget=TEXT)
    complaint = forms.BooleanField(label=_("This is a complaint"), required=False, widget=CHECK)

    def __init__(self, *args, canteens=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canteen"].choices = [(c.pk, c.name) for c in canteens]


class ReplyForm(Form):
    reply = forms.CharField(label=_("Reply"), max_length=300, widget=TEXT)


class CanteenReportForm(Form):
    windows_open = forms.IntegerField(label=_("Windows open"), min_value=0, max_value=500, widget=NUMBER)
    meals_served = forms.IntegerField(label=_("Meals served"), min_value=0, max_value=100000, widget=NUMBER)
    samples_kept = forms.TypedChoiceField(
        label=_("Food samples kept for 48 hours"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
    )
    staff_checked = forms.IntegerField(label=_("Staff health-checked"), min_value=0, max_value=2000, widget=NUMBER)
    staff_unwell = forms.IntegerField(label=_("Staff unwell"), min_value=0, max_value=2000, initial=0, required=False, widget=NUMBER)
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=TEXT)

    def clean_staff_unwell(self) -> int:
        return self.cleaned_data.get("staff_unwell") or 0


class ReferralForm(Form):
    student_number = forms.CharField(label=_("Student number"), max_length=32, widget=TEXT)
    hospital = forms.ChoiceField(label=_("Hospital"), widget=SELECT)
    referred_at = _dt(_("Referred at"))
    from_where = forms.CharField(label=_("Referred from"), max_length=100, widget=TEXT, help_text=_("e.g. 1号公寓, 东门"))
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.1", "inputmode": "decimal"}),
    )
    symptoms = forms.CharField(label=_("Symptoms"), max_length=200, required=False, widget=TEXT)

    def __init__(self, *args, hospitals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = [(h.pk, h.name) for h in hospitals]


class ResultForm(Form):
    result = forms.ChoiceField(label=pgettext_lazy("fever clinic", "Result"), choices=FeverReferral.Result.choices, widget=SELECT)
    back_on_campus_at = _dt(_("Back on campus at"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=TEXT)
