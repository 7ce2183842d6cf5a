from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Roster


class RosterForm(forms.ModelForm):
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
