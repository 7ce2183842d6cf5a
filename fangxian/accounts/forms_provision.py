"""Forms of the security admin's account pages: accounts from people, one account, editing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangxian.core.forms import Form, ModelForm

from .models import User
from .provisioning import Selection, parse_numbers, units_for

PEOPLE_CHOICES = [("all", _("Staff and students")), ("staff", _("Staff only")), ("students", _("Students only"))]


def _role_choices():
    from fangxian.org.registry import assignment_role_choices

    return [("", _("Any role")), *assignment_role_choices()]


class ProvisionForm(Form):
    unit = forms.ModelChoiceField(
        label=_("Unit (with everything under it)"),
        queryset=None,
        required=False,
        empty_label=_("Choose…"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    people = forms.ChoiceField(
        label=_("People"), choices=PEOPLE_CHOICES, initial="all", widget=forms.Select(attrs={"class": "form-select"})
    )
    role = forms.ChoiceField(
        label=_("Holding the responsibility"),
        choices=(),
        required=False,
        help_text=_("e.g. all counselors, or all gate guards (staff with that responsibility today)."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    on_campus = forms.BooleanField(label=_("Only students on campus (in the ledger)"), required=False)
    numbers = forms.CharField(
        label=_("Staff or student numbers"),
        required=False,
        help_text=_("One per line, or separated by commas or spaces."),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
    )
    upload = forms.FileField(
        label=_("Or a file of numbers"),
        required=False,
        help_text=_(".xlsx, .csv or .txt; the numbers in the first column."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv,.txt"}),
    )

    def __init__(self, *args, admin=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(admin).order_by("path")
        self.fields["unit"].label_from_instance = lambda unit: f"{'— ' * unit.depth}{unit.name}"
        self.fields["role"].choices = _role_choices()

    def clean(self):
        data = super().clean()
        numbers, errors = parse_numbers(data.get("numbers") or "", data.get("upload"))
        for error in errors:
            self.add_error("upload", error)
        selection = Selection(
            unit=data.get("unit"),
            people=data.get("people") or "all",
            role=data.get("role") or "",
            on_campus=bool(data.get("on_campus")),
            numbers=numbers,
        )
        if not errors and not selection.by_criteria and not selection.numbers:
            raise forms.ValidationError(_("Choose a unit, a responsibility or students on campus, or give a list of numbers."))
        data["selection"] = selection
        return data


class SingleAccountForm(Form):
    number = forms.CharField(
        label=_("Staff or student number"),
        max_length=32,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Staff or student number")}),
    )


class UserEditForm(ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email"]
        widgets = {
            "full_name": forms.TextInput(attrs={"class": "form-control"}),
            "email": forms.EmailInput(attrs={"class": "form-control"}),
        }
