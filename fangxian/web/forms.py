from django import forms

from fangxian.core.forms import ModelForm

from .models import SiteConfig


class SiteConfigForm(ModelForm):
    class Meta:
        model = SiteConfig
        fields = ["institution_name", "notice_banner", "support_contact"]
        widgets = {name: forms.TextInput(attrs={"class": "form-control"}) for name in fields}
