from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangxian.core.forms import Form, ModelForm

from .models import Roster


class RosterForm(ModelForm):
    class Meta:
        model = Roster
        fields = ["pattern", "day_starts", "check_in_minutes", "staff_needed"]
        widgets = {"day_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def clean_check_in_minutes(self):
        value = self.cleaned_data["check_in_minutes"]
        if not 1 <= value <= 240:
            raise forms.ValidationError(_("Between 1 and 240 minutes."))
        return value

    def clean_staff_needed(self):
        value = self.cleaned_data["staff_needed"]
        if not 1 <= value <= 10:
            raise forms.ValidationError(_("Between 1 and 10 people."))
        return value


class FillForm(Form):
    """Fill a date range from a rotation."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(
        label=_("Rotation"),
        choices=[("turns", _("The lists take turns, day after day")), ("weekly", _("Weekly: the n-th name for the n-th weekday"))],
        initial="turns",
    )
    leaders = forms.CharField(
        label=_("Leaders on duty"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Names or staff numbers, separated by 、 or commas, in the order they take turns."),
    )
    staff = forms.CharField(
        label=_("Staff on duty"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Names or staff numbers, separated by 、 or commas, in the order they take turns."),
    )


class PostForm(Form):
    """Put one person on one shift by hand."""

    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.TypedChoiceField(label=_("Shift"), coerce=int, choices=[])
    role = forms.ChoiceField(label=_("Role"), choices=[("duty_leader", _("Leader on duty")), ("duty_staff", _("Staff on duty"))])
    person = forms.CharField(label=_("Person"), max_length=100, help_text=_("Name or staff number."))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, help_text=_("Empty: the person's phone."))

    def __init__(self, *args, roster: Roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [(slot, roster.slot_label(slot)) for slot in roster.slots()]


class LogForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    text = forms.CharField(label=_("Duty notes"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from .models import LogEntry

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = LogEntry.Kind.choices


class HandoverForm(Form):
    note = forms.CharField(label=_("Handover note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PingForm(Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None, choices=[])
    minutes = forms.IntegerField(label=_("Answer within (minutes)"), min_value=1, max_value=120, initial=10)

    def __init__(self, *args, units=(), allow_all=True, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Everyone on duty now"))] if allow_all else []
        self.fields["unit"].choices = choices + [(u.pk, u.name) for u in units]
        self.fields["unit"].required = not allow_all


class PingScheduleForm(PingForm):
    """Random pings: how many a day, in which hours, for a unit (or everyone: the office)."""

    per_day = forms.IntegerField(label=_("Pings per day"), min_value=1, max_value=12, initial=2)
    window_start = forms.TimeField(label=_("From"), initial="08:00", widget=forms.TimeInput(attrs={"type": "time"}))
    window_end = forms.TimeField(
        label=_("Until"),
        initial="22:00",
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Earlier than the start: past midnight."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    field_order = ["unit", "per_day", "window_start", "window_end", "minutes", "active"]


class SwapForm(Form):
    post = forms.TypedChoiceField(label=_("My shift"), coerce=int, choices=[])
    colleague = forms.CharField(label=_("Colleague"), max_length=100, help_text=_("Name or staff number."))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, posts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = [(p.pk, str(p.shift)) for p in posts]


class LeaveForm(Form):
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200)
