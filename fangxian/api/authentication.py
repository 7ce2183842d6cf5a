"""API authentication: the browser session (with CSRF) and bearer tokens for programs:
short-lived access tokens (fx_…) and the refresh tokens that mint them (fxr_…)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import authentication, exceptions

from fangxian.accounts.middleware import needs_second_factor, second_factor_required
from fangxian.accounts.models import ApiToken

# Writing last_used_at on every call would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class SessionAuthentication(authentication.SessionAuthentication):
    """The page session, but only once the password and second-factor steps are done."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if user.must_change_password or needs_second_factor(user, request):
            return None
        return result


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        raw = header[1].decode(errors="replace")
        if raw.startswith(ApiToken.REFRESH_PREFIX):
            return None  # a refresh token only works at /api/v1/auth/refresh/ (RefreshTokenAuthentication)
        token = ApiToken.find(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        _second_factor_check(token.user)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def _second_factor_check(user) -> None:
    """A token stands for an account that has enrolled its second factor where the role
    needs one: a password alone (or a session that skipped the step) mints nothing usable."""
    if second_factor_required(user) and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise exceptions.AuthenticationFailed(
            _("Your role needs a second factor: enrol one on your security page before using API tokens.")
        )


class RefreshTokenAuthentication(authentication.BaseAuthentication):
    """The refresh token (fxr_…) as a bearer token; good only where a view asks for it."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].decode(errors="replace").lower() not in BearerTokenAuthentication.keywords:
            return None
        raw = header[1].decode(errors="replace")
        if not raw.startswith(ApiToken.REFRESH_PREFIX):
            return None
        token = ApiToken.find_refresh(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        _second_factor_check(token.user)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api-refresh"'
