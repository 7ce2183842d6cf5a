"""Writes on accounts: each in one transaction with its security event."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

from .models import ApiToken, RoleGrant, User
from .roles import forget_roles
from .signals import end_sessions

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery"


@transaction.atomic
def role_grant(*, user: User, role: str, by: User, request=None) -> RoleGrant:
    grant = RoleGrant(user=user, role=role, granted_by=by)
    grant.full_clean()
    grant.save()
    forget_roles(user)
    record_event(SecurityEvent.Kind.ROLE_GRANTED, request=request, user=by, target=user.username, role=role)
    return grant


@transaction.atomic
def role_revoke(*, user: User, role: str, by: User, request=None) -> None:
    deleted, _ = RoleGrant.objects.filter(user=user, role=role).delete()
    forget_roles(user)
    if deleted:
        record_event(SecurityEvent.Kind.ROLE_REVOKED, request=request, user=by, target=user.username, role=role)


@transaction.atomic
def user_set_active(*, user: User, active: bool, by: User, request=None) -> None:
    user.is_active = active
    user.full_clean()
    user.save(update_fields=["is_active"])  # post_save ends the sessions of a disabled user
    kind = SecurityEvent.Kind.ACCOUNT_ENABLED if active else SecurityEvent.Kind.ACCOUNT_DISABLED
    record_event(kind, request=request, user=by, target=user.username)


@transaction.atomic
def user_set_initial_password(*, user: User, password: str, by: User, request=None) -> None:
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record_event(SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=by, target=user.username, initial=True)


@transaction.atomic
def password_changed(*, user: User, request=None) -> None:
    """After a password change: the debt of an initial password is paid and every other
    session of the account ends (they were opened with the old password)."""
    keep = request.session.session_key if request is not None else None
    end_sessions(user, keep=keep)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    record_event(SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=user)


def totp_device_for_setup(user: User) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, request=None) -> list[str]:
    """Confirm an enrolled device and issue fresh recovery codes (shown once)."""
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(SecurityEvent.Kind.TOTP_ENROLLED, request=request, user=device.user)
    return recovery_codes_regenerate(user=device.user)


def recovery_codes_regenerate(*, user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_reset(*, user: User, by: User, request=None) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_event(SecurityEvent.Kind.TOTP_RESET, request=request, user=by, target=user.username)


@transaction.atomic
def token_create(*, user: User, name: str, days: int, request=None) -> tuple[ApiToken, str]:
    token, raw = ApiToken.issue(user=user, name=name, expires_at=timezone.now() + timedelta(days=days))
    record_event(SecurityEvent.Kind.TOKEN_CREATED, request=request, user=user, token=token.hint)
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, request=None) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(SecurityEvent.Kind.TOKEN_REVOKED, request=request, user=token.user, token=token.hint)
