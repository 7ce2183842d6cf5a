"""Writes on accounts: each in one transaction with its security event."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

from . import separation
from .models import AdminApproval, ApiToken, RoleGrant, User
from .roles import forget_roles
from .signals import end_sessions
from .validators import remember_password

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery"


def role_grant(*, user: User, role: str, by: User, request=None) -> RoleGrant:
    """Grant a system role, unless it breaks the separation of administrators (refused,
    recorded)."""
    reason = separation.grant_refusal(user=user, role=role, by=by)
    if reason:
        separation.refuse(reason, action="role_grant", by=by, target=user, request=request, role=role)
    return _role_grant(user=user, role=role, by=by, request=request)


@transaction.atomic
def _role_grant(*, user: User, role: str, by: User, request=None) -> RoleGrant:
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
    tokens_revoke_all(user=user, reason="password_reset", request=request, by=by)
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
    tokens_revoke_all(user=user, reason="password_changed", request=request)
    record_event(SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=user)


def totp_device_for_setup(user: User) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, request=None) -> list[str]:
    """Confirm an enrolled device and issue fresh recovery codes (shown once). Replacing a
    device ends the tokens that the old one stood behind."""
    replaced, _deleted = TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    if replaced:
        tokens_revoke_all(user=device.user, reason="totp_replaced", request=request)
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
    tokens_revoke_all(user=user, reason="totp_reset", request=request, by=by)
    record_event(SecurityEvent.Kind.TOTP_RESET, request=request, user=by, target=user.username)


class TokenPair(NamedTuple):
    refresh: ApiToken
    refresh_raw: str
    access: ApiToken
    access_raw: str


def token_refusal(user: User) -> str | None:
    """Why `user` may not hold API tokens now, or None: a role that needs the second factor
    needs an enrolled one (not only a verified session) before any token works."""
    from .middleware import second_factor_required

    if not user.is_active:
        return _("The account is disabled.")
    if second_factor_required(user) and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return _("Your role needs a second factor: enrol one on your security page before using API tokens.")
    return None


@transaction.atomic
def token_pair_create(*, user: User, name: str, days: int, request=None) -> TokenPair:
    """A refresh token valid for `days` (at most API_REFRESH_TOKEN_MAX_DAYS) and a first
    short-lived access token minted from it."""
    reason = token_refusal(user)
    if reason:
        raise ValidationError(reason, code="second_factor")
    days = max(1, min(days, settings.API_REFRESH_TOKEN_MAX_DAYS))
    refresh, refresh_raw = ApiToken.issue(
        user=user, name=name, kind=ApiToken.Kind.REFRESH, expires_at=timezone.now() + timedelta(days=days)
    )
    access, access_raw = ApiToken.issue(user=user, name=name, parent=refresh)
    record_event(SecurityEvent.Kind.TOKEN_CREATED, request=request, user=user, token=refresh.hint, days=days)
    return TokenPair(refresh, refresh_raw, access, access_raw)


def token_create(*, user: User, name: str, days: int, request=None) -> tuple[ApiToken, str]:
    """The access token of a new pair (for programs and tests that call the API at once)."""
    pair = token_pair_create(user=user, name=name, days=days, request=request)
    return pair.access, pair.access_raw


@transaction.atomic
def token_refresh(*, refresh: ApiToken, request=None) -> tuple[ApiToken, str]:
    """A new access token from an active refresh token; the earlier ones from it end."""
    reason = token_refusal(refresh.user)
    if reason:
        raise ValidationError(reason, code="second_factor")
    now = timezone.now()
    refresh.children.filter(revoked_at__isnull=True).update(revoked_at=now)
    access, raw = ApiToken.issue(user=refresh.user, name=refresh.name, parent=refresh)
    ApiToken.objects.filter(pk=refresh.pk).update(last_used_at=now)
    record_event(SecurityEvent.Kind.TOKEN_REFRESHED, request=request, user=refresh.user, token=refresh.hint)
    return access, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, request=None) -> None:
    now = timezone.now()
    token.revoked_at = now
    token.save(update_fields=["revoked_at"])
    token.children.filter(revoked_at__isnull=True).update(revoked_at=now)
    record_event(SecurityEvent.Kind.TOKEN_REVOKED, request=request, user=token.user, token=token.hint)


def tokens_revoke_all(*, user: User, reason: str, request=None, by: User | None = None) -> int:
    """End every token of `user` (after a password or second-factor reset)."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        record_event(SecurityEvent.Kind.TOKEN_REVOKED, request=request, user=by or user, target=user.username, all=count, reason=reason)
    return count


# ---------------------------------------------------------------------------
# Admin actions on another account: refused on oneself, and for accounts that one admin must
# not take over alone, only a request that a second admin approves (三权分立).


def admin_set_initial_password(*, user: User, password: str, by: User, request=None) -> AdminApproval | None:
    """Set an initial password now, or return the pending request when a second admin must
    approve it."""
    if user.pk == by.pk:
        separation.refuse(
            _("Change your own password on your security page, not here."), action="password_reset", by=by, target=user, request=request
        )
    if separation.needs_second_approval(user):
        return approval_request(
            action=AdminApproval.Action.PASSWORD_RESET, target=user, by=by, password_hash=make_password(password), request=request
        )
    user_set_initial_password(user=user, password=password, by=by, request=request)
    return None


def admin_reset_totp(*, user: User, by: User, request=None) -> AdminApproval | None:
    if user.pk == by.pk:
        separation.refuse(
            _("Replace your own second factor on your security page, not here."), action="totp_reset", by=by, target=user, request=request
        )
    if separation.needs_second_approval(user):
        return approval_request(action=AdminApproval.Action.TOTP_RESET, target=user, by=by, request=request)
    totp_reset(user=user, by=by, request=request)
    return None


def admin_set_active(*, user: User, active: bool, by: User, request=None) -> AdminApproval | None:
    if user.pk == by.pk:
        separation.refuse(_("You cannot disable your own account."), action="disable", by=by, target=user, request=request)
    if not active and separation.needs_second_approval(user):
        return approval_request(action=AdminApproval.Action.DISABLE, target=user, by=by, request=request)
    user_set_active(user=user, active=active, by=by, request=request)
    return None


@transaction.atomic
def approval_request(*, action: str, target: User, by: User, password_hash: str = "", request=None) -> AdminApproval:
    """One pending request per action and account: asking again replaces the proposal."""
    approval = AdminApproval.objects.pending().filter(action=action, target=target).first()
    if approval is None:
        approval = AdminApproval(action=action, target=target, requested_by=by, password_hash=password_hash)
    else:
        approval.requested_by = by
        approval.requested_at = timezone.now()
        approval.password_hash = password_hash
    approval.full_clean()
    approval.save()
    record_event(
        SecurityEvent.Kind.APPROVAL_REQUESTED, request=request, user=by, target=target.username, action=action, approval=approval.pk
    )
    return approval


def approval_decide(*, approval: AdminApproval, approve: bool, by: User, request=None) -> None:
    """A second admin approves (the action runs now, in their name) or rejects a request."""
    if approval.status != AdminApproval.Status.PENDING or not AdminApproval.objects.pending().filter(pk=approval.pk).exists():
        raise ValidationError(_("This request has already been decided or has expired."), code="decided")
    if not separation.may_approve(by):
        separation.refuse(
            _("Only an administrator may decide this request."), action="approval", by=by, target=approval.target, request=request
        )
    if by.pk == approval.requested_by_id:
        separation.refuse(
            _("A request must be decided by an administrator other than the one who made it."),
            action="approval",
            by=by,
            target=approval.target,
            request=request,
        )
    if by.pk == approval.target_id:
        separation.refuse(
            _("A request about your own account must be decided by another administrator."),
            action="approval",
            by=by,
            target=approval.target,
            request=request,
        )
    _approval_apply(approval=approval, approve=approve, by=by, request=request)


@transaction.atomic
def _approval_apply(*, approval: AdminApproval, approve: bool, by: User, request=None) -> None:
    approval = AdminApproval.objects.select_for_update().get(pk=approval.pk)
    if approval.status != AdminApproval.Status.PENDING:
        raise ValidationError(_("This request has already been decided or has expired."), code="decided")
    approval.status = AdminApproval.Status.APPROVED if approve else AdminApproval.Status.REJECTED
    approval.decided_by = by
    approval.decided_at = timezone.now()
    approval.full_clean()
    approval.save(update_fields=["status", "decided_by", "decided_at"])
    target = approval.target
    kind = SecurityEvent.Kind.APPROVAL_GRANTED if approve else SecurityEvent.Kind.APPROVAL_REJECTED
    record_event(
        kind,
        request=request,
        user=by,
        target=target.username,
        action=approval.action,
        approval=approval.pk,
        requested_by=approval.requested_by.username,
    )
    if not approve:
        return
    if approval.action == AdminApproval.Action.PASSWORD_RESET:
        target.password = approval.password_hash
        target.must_change_password = True
        target.save(update_fields=["password", "must_change_password"])
        remember_password(target, approval.password_hash)
        tokens_revoke_all(user=target, reason="password_reset", request=request, by=by)
        record_event(SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=by, target=target.username, initial=True)
    elif approval.action == AdminApproval.Action.TOTP_RESET:
        totp_reset(user=target, by=by, request=request)
    elif approval.action == AdminApproval.Action.DISABLE:
        user_set_active(user=target, active=False, by=by, request=request)


# ---------------------------------------------------------------------------
# Export approvals (throttle.ExportNeedsApproval asks for them)


@transaction.atomic
def security_policy_save(*, policy, by: User, request=None) -> None:
    policy.pk = 1
    policy.updated_by = by
    policy.updated_at = timezone.now()
    policy.full_clean()
    policy.save()  # the change itself is recorded by django-auditlog


def export_decide(*, approval, approve: bool, by: User, request=None) -> None:
    if approval.user_id == by.pk:
        separation.refuse(
            _("No account may approve its own export."), action="export_approval", by=by, target=approval.user, request=request
        )
    _export_decide(approval=approval, approve=approve, by=by, request=request)


@transaction.atomic
def _export_decide(*, approval, approve: bool, by: User, request=None) -> None:
    from .models import ExportApproval

    approval = ExportApproval.objects.select_for_update().get(pk=approval.pk)
    if approval.status != ExportApproval.Status.PENDING:
        raise ValidationError(_("This request has already been decided or has expired."), code="decided")
    approval.status = ExportApproval.Status.APPROVED if approve else ExportApproval.Status.REJECTED
    approval.decided_by = by
    approval.decided_at = timezone.now()
    approval.save(update_fields=["status", "decided_by", "decided_at"])
    kind = SecurityEvent.Kind.APPROVAL_GRANTED if approve else SecurityEvent.Kind.APPROVAL_REJECTED
    record_event(kind, request=request, user=by, action="export", target=approval.user.username, export=approval.export, rows=approval.rows)
