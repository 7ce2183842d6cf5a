from django import forms
from django.utils.translation import gettext_lazy as _

from fangxian.core.forms import Form
from fangxian.core.params import MAX_DATE, MIN_DATE

from .models import SecurityEvent

_date = forms.DateInput(attrs={"type": "date", "class": "form-control"})


class AuditFilterForm(Form):
    SOURCE_CHOICES = [("changes", _("Data changes")), ("events", _("Security events"))]

    source = forms.ChoiceField(
        label=_("Source"), choices=SOURCE_CHOICES, required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    user = forms.CharField(label=_("User"), required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    kind = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", "—"), *SecurityEvent.Kind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    model = forms.CharField(label=_("Object type"), required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    request_id = forms.CharField(label=_("Request id"), required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    date_from = forms.DateField(label=_("From"), required=False, widget=_date)
    date_to = forms.DateField(label=_("To"), required=False, widget=_date)

    def _bounded(self, name):
        # A day at the ends of the calendar (9999-12-31) would overflow "the day after".
        day = self.cleaned_data.get(name)
        if day is not None and not MIN_DATE <= day <= MAX_DATE:
            raise forms.ValidationError(
                _("Choose a day between %(first)s and %(last)s.") % {"first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()}
            )
        return day

    def clean_date_from(self):
        return self._bounded("date_from")

    def clean_date_to(self):
        return self._bounded("date_to")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
