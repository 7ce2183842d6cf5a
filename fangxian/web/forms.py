from django import forms

from .models import SiteConfig


class SiteConfigForm(forms.ModelForm):
    class Meta:
        model = SiteConfig
        fields = ["institution_name", "notice_banner", "support_contact"]
        widgets = {name: forms.TextInput(attrs={"class": "form-control"}) for name in fields}
