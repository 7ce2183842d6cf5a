from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.forms import EmptyChoiceMixin, Form, ModelForm

from .models import RoleGrant, SecurityPolicy
from .roles import GRANTABLE_ROLES


class LoginForm(EmptyChoiceMixin, AuthenticationForm):
    # One message for a wrong password, an unknown user and a locked account, so the
    # answer tells an attacker nothing.
    error_messages = {
        "invalid_login": _("Incorrect username or password."),
        "inactive": _("Incorrect username or password."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"class": "form-control", "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"class": "form-control", "autocomplete": "current-password"})


class TokenForm(Form):
    code = forms.CharField(
        label=pgettext_lazy("second factor", "Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-lg", "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip()


class ApiTokenForm(Form):
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_REFRESH_TOKEN_MAX_DAYS,
        initial=min(30, settings.API_REFRESH_TOKEN_MAX_DAYS),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )


class RoleGrantForm(Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r.value, r.label) for r in GRANTABLE_ROLES],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        grant = RoleGrant(user=self.user, role=role)
        try:
            grant.validate_constraints()
        except ValidationError as exc:  # the constraints speak for the whole row; show them here
            raise ValidationError(exc.messages) from exc
        return role


class UserSearchForm(Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Username or name")}),
    )


class InitialPasswordForm(Form):
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        validate_password(password, self.user)
        return password


User = get_user_model()


class SecurityPolicyForm(ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = ["export_approval_rows"]
        widgets = {"export_approval_rows": forms.NumberInput(attrs={"class": "form-control", "min": 1})}

    def clean_export_approval_rows(self) -> int:
        rows = self.cleaned_data["export_approval_rows"]
        if rows < 1:
            raise ValidationError(_("Enter a number of rows of at least 1."))
        return rows
