"""Sign-in, sign-out, password change, second factor and the user's own security page."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.sessions.models import Session
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import ErrorDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.views import form_errors, safe_next

from . import services, throttle
from .forms import ApiTokenForm, LoginForm, TokenForm
from .middleware import record_rate_limited, sso_second_factor
from .models import ApiToken, LoginSession
from .roles import is_privileged

RECOVERY_CODES_SESSION_KEY = "fangxian_new_recovery_codes"


def _next_url(request, default: str = "web:home") -> str:
    return safe_next(request, reverse(default))


def _with_next(url_name: str, next_url: str) -> str:
    """The URL of `url_name` with ?next=… encoded (a next URL may carry its own query)."""
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Checked before the password is: a refused attempt costs no hash and counts no failure.
        try:
            throttle.check_login(request, str(request.POST.get("username", ""))[:150])
        except throttle.RateLimited as exc:
            record_rate_limited(request, exc)
            form = self.get_form()
            form.cleaned_data = {}
            form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([str(exc.detail)], error_class="nonfield")})
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(int(exc.wait or 60))
            return response
        return super().post(request, *args, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """A locked account sees exactly what a wrong password shows (see LoginForm).

    The form is not validated again: that would authenticate once more and record a second
    failure for the same attempt. Its errors are set to the wrong-password message instead.
    """
    form = LoginForm(request, data=request.POST or None)
    form.cleaned_data = {}
    form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([form.error_messages["invalid_login"]], error_class="nonfield")})
    response = render(request, "accounts/login.html", {"form": form, "next": request.POST.get("next", "")})
    return response


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"
    if request.method == "POST" and form.is_valid():
        old_key = request.session.session_key
        user = form.save()
        update_session_auth_hash(request, user)  # keeps this session, with a new key
        LoginSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
        services.password_changed(user=user, request=request)
        messages.success(request, _("Your password has been changed."))
        return redirect(_next_url(request))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": request.user.must_change_password, "next": request.GET.get("next", "")},
    )


@login_required
def totp_verify(request):
    """Second step of sign-in for privileged roles: a TOTP code or a recovery code."""
    if request.user.is_verified() or sso_second_factor(request, request.user):
        return redirect(_next_url(request))
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(_with_next("accounts:totp_setup", _next_url(request)))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # match_token tries every confirmed device; TOTP refuses a code it has accepted
        # before (last_t) and a recovery code is deleted when used.
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            kind = SecurityEvent.Kind.RECOVERY_CODE_USED if isinstance(device, StaticDevice) else SecurityEvent.Kind.TOTP_VERIFIED
            record_event(kind, request=request)
            return redirect(_next_url(request))
        record_event(SecurityEvent.Kind.TOTP_FAILED, request=request)
        form.add_error("code", _("The code is not valid. Codes can be used only once."))
    return render(request, "accounts/totp_verify.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def totp_setup(request):
    """Enrol an authenticator app by QR code; on success show the recovery codes once."""
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if has_device and not request.user.is_verified():
        # Replacing a device needs the current one first.
        return redirect(_with_next("accounts:totp_verify", reverse("accounts:totp_setup")))
    device = services.totp_device_for_setup(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = services.totp_confirm(device=device, request=request)
            otp_login(request, device)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(_with_next("accounts:recovery_codes", _next_url(request)))
        form.add_error("code", _("The code is not valid. Check the time on your phone and try again."))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "qr_data_uri": qr.svg_data_uri(scale=5, dark="#0b2545"),
            "secret": _base32(device),
            "next": request.GET.get("next", ""),
        },
    )


def _base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


@login_required
def recovery_codes(request):
    if request.method == "POST":
        if not request.user.is_verified():
            return redirect(_with_next("accounts:totp_verify", reverse("accounts:security")))
        request.session[RECOVERY_CODES_SESSION_KEY] = services.recovery_codes_regenerate(user=request.user)
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})


@login_required
def security(request):
    """The user's own security page: second factor, API tokens, open sessions."""
    token_form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and token_form.is_valid():
        try:
            new_token = services.token_pair_create(
                user=request.user, name=token_form.cleaned_data["name"], days=token_form.cleaned_data["days"], request=request
            )
        except ValidationError as exc:
            form_errors(token_form, exc)
        else:
            token_form = ApiTokenForm()
    static = StaticDevice.objects.filter(user=request.user, name=services.RECOVERY_DEVICE_NAME).first()
    return render(
        request,
        "accounts/security.html",
        {
            "token_form": token_form,
            "new_token": new_token,
            "tokens": request.user.api_tokens.active().filter(kind=ApiToken.Kind.REFRESH).order_by("-created_at"),
            "access_minutes": settings.API_ACCESS_TOKEN_MINUTES,
            "has_totp": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
            "recovery_left": static.token_set.count() if static else 0,
            "privileged": is_privileged(request.user),
            "require_totp": settings.REQUIRE_TOTP,
            "sessions": request.user.login_sessions.order_by("-created_at"),
            "current_session": request.session.session_key,
        },
    )


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.active(), pk=pk, user=request.user)
    services.token_revoke(token=token, request=request)
    messages.success(request, _("The token has been revoked."))
    return redirect("accounts:security")


@require_POST
@login_required
def session_end(request, pk: int):
    login_session = get_object_or_404(LoginSession, pk=pk, user=request.user)
    Session.objects.filter(session_key=login_session.session_key).delete()
    login_session.delete()
    messages.success(request, _("The session has been ended."))
    return redirect("accounts:security")
