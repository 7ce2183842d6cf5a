"""Forms of the office's pages (defining report forms, reviewing reports)."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.forms import Form
from fangxian.org.models import Unit

from . import schema
from .models import ReportForm


class DefinitionField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 12, "class": "font-monospace small", "spellcheck": "false"})

    def to_python(self, value):
        text = super().to_python(value)
        try:
            definition = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("The definition is not valid JSON (line %(line)s, column %(column)s).") % {"line": exc.lineno, "column": exc.colno}
            )
        schema.check_schema(definition)
        return definition


class FormCreateForm(Form):
    code = forms.SlugField(
        label=pgettext_lazy("report form", "Form code"),
        max_length=50,
        help_text=_("Lower-case letters, digits and hyphens, e.g. college-daily; used in links and the API."),
    )
    name = forms.CharField(label=pgettext_lazy("report form", "Form name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    frequency = forms.ChoiceField(label=_("Frequency"), choices=ReportForm.Frequency.choices)
    once_on = forms.DateField(label=_("Collection day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.TimeField(label=_("Deadline (local time)"), widget=forms.TimeInput(attrs={"type": "time"}))
    unit_kinds = forms.MultipleChoiceField(
        label=_("Unit kinds that report"), required=False, choices=Unit.Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    unit_codes = forms.CharField(
        label=_("Unit codes that report"), required=False, help_text=_("Separated by commas, e.g. logistics,security.")
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    definition = DefinitionField(label=_("Sections and fields (JSON)"))

    def clean_unit_codes(self):
        return [code.strip() for code in self.cleaned_data["unit_codes"].split(",") if code.strip()]

    def clean(self):
        data = super().clean()
        if data.get("frequency") == ReportForm.Frequency.ONCE and not data.get("once_on"):
            self.add_error("once_on", _("A one-off collection needs its day."))
        if not data.get("unit_kinds") and not data.get("unit_codes"):
            raise ValidationError(_("Say which units report: unit kinds, unit codes or both."))
        return data


class VersionForm(Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)
    definition = DefinitionField(label=_("Sections and fields (JSON)"))


class CommentForm(Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
