from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SecurityEvent

_date = forms.DateInput(attrs={"type": "date", "class": "form-control"})


class AuditFilterForm(forms.Form):
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

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
