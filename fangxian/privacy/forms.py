from django import forms
from django.utils.translation import gettext_lazy as _

from fangxian.core.forms import Form


class EmergencyEndForm(Form):
    ends_on = forms.DateField(label=_("The emergency ends on"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=300, widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 300})
    )
