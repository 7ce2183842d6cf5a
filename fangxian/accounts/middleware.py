"""Session limits and the login-safety gate (password change, second factor)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

from .roles import is_privileged
from .signals import LOGIN_AT_KEY

# Paths that a signed-in user may reach before changing the password or passing the
# second factor: the steps themselves, logging out, the language switch and health.
_OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/",
    "/accounts/2fa/",
    "/static/",
    "/i18n/",
    "/healthz",
)


class SessionLimitsMiddleware:
    """Absolute session lifetime (12 h). The idle limit (30 min) is the session's own
    expiry, renewed on every request (SESSION_SAVE_EVERY_REQUEST)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_KEY)
            if login_at is None or time.time() - float(login_at) > settings.SESSION_ABSOLUTE_SECONDS:
                user = request.user
                logout(request)
                record_event(SecurityEvent.Kind.SESSION_EXPIRED, request=request, user=user)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("Your session has expired. Please sign in again.")}, status=401)
                messages.info(request, _("Your session has expired. Please sign in again."))
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def second_factor_required(user) -> bool:
    """Must this user use a second factor (demo mode relaxes it)?"""
    return bool(settings.REQUIRE_TOTP and is_privileged(user))


# {"user": pk, "source": "cas", "value": …}: the SSO server asserted a second factor for
# this sign-in (written by the CAS sign-in view into the session it opens).
SSO_SECOND_FACTOR_KEY = "fangxian_sso_second_factor"


def sso_second_factor(request, user) -> str:
    """What the SSO server asserted as this session's second factor ("" for nothing). Only
    while trusting it is configured, and only for the account that signed in."""
    session = getattr(request, "session", None)
    if session is None or not settings.CAS_MFA_ATTRIBUTE:
        return ""
    asserted = session.get(SSO_SECOND_FACTOR_KEY) or {}
    return str(asserted.get("value") or "") if asserted.get("user") == user.pk else ""


def needs_second_factor(user, request=None) -> bool:
    """Does this signed-in user still owe the second factor? Not when a TOTP or recovery
    code was entered (django-otp), nor when the CAS server asserted one for this sign-in."""
    if not second_factor_required(user) or user.is_verified():
        return False
    return not (request is not None and sso_second_factor(request, user))


class LoginSafetyMiddleware:
    """Send a signed-in user to the step they still owe: a new password if the account was
    created with an initial one, then the second factor if a role requires it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            if request.path.startswith("/api/"):
                # The API answers in JSON; DRF's session authentication refuses the same users.
                return self.get_response(request)
            if user.must_change_password:
                return redirect(f"{reverse('accounts:password_change')}?{urlencode({'next': request.get_full_path()})}")
            if needs_second_factor(user, request):
                return redirect(f"{reverse('accounts:totp_verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class RateLimitMiddleware:
    """Answer a RateLimited raised by a page (a reveal, an export, an anonymous form) with
    429 and its Chinese message, and record it; an export over the approved size with 403 and
    a request to the security admin. The API answers both through DRF."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from .throttle import ExportNeedsApproval, RateLimited, request_export_approval

        if isinstance(exception, ExportNeedsApproval):
            request_export_approval(request, exception)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": str(exception.detail)}, status=403)
            return render(
                request, "accounts/refused.html", {"title": _("Export needs approval"), "message": str(exception.detail)}, status=403
            )
        if not isinstance(exception, RateLimited):
            return None
        record_rate_limited(request, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": str(exception.detail)}, status=429)
        else:
            context = {"title": _("Too many requests"), "message": str(exception.detail)}
            response = render(request, "accounts/refused.html", context, status=429)
        if exception.wait:
            response["Retry-After"] = str(int(exception.wait))
        return response


def record_rate_limited(request, exception) -> None:
    user = getattr(request, "user", None)
    record_event(
        SecurityEvent.Kind.RATE_LIMITED,
        request=request,
        user=user if user is not None and user.is_authenticated else None,
        rule=exception.rule,
        path=request.path[:200],
    )
