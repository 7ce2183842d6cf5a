from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import ADMIN_ROLES, GRANTABLE_ROLES, Role

# Accounts with these names are the first thing an attacker tries; none may be active.
RESERVED_USERNAMES = ("admin", "administrator", "root", "test", "guest", "system")


class User(AbstractUser):
    """An account. It belongs to a person of the organisation (org.Person.user)."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an account is created with an initial password."),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_active=False) | ~Q(In(Lower("username"), RESERVED_USERNAMES)),
                name="no_active_reserved_username",
                violation_error_message=_("This username is reserved and cannot be used by an active account."),
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.is_active and self.username.lower() in RESERVED_USERNAMES:
            raise ValidationError({"username": _("This username is reserved and cannot be used by an active account.")})


class RoleGrant(models.Model):
    """A system role held by an account (角色授权). Granted by the security admin."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=[(r.value, r.label) for r in GRANTABLE_ROLES])
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user"),
            # 三权分立: at most one of the three admin roles per account, in the database.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=[r.value for r in ADMIN_ROLES]),
                name="one_admin_role_per_user",
                violation_error_message=_("The system, security and audit administrator roles must be held by different accounts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {Role(self.role).label}"


class LoginSession(models.Model):
    """A session opened by a login; lets a user see and end their sessions, and lets
    disabling an account end all of its sessions at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # SHA-256 of the CAS service ticket that opened the session: the CAS server's single
    # sign-out names that ticket (sso.cas_single_sign_out).
    sso_ticket_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d %H:%M}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def access_token_lifetime() -> timedelta:
    return timedelta(minutes=settings.API_ACCESS_TOKEN_MINUTES)


class ApiToken(models.Model):
    """A bearer token for programs (API 令牌). Only its hash is stored; the token itself is
    shown once, when it is created.

    Two kinds: a refresh token (fxr_…, what the user creates and names, valid for days) is
    only good for minting access tokens at /api/v1/auth/refresh/; an access token (fx_…) is
    what calls the API and lives for API_ACCESS_TOKEN_MINUTES. Revoking a refresh token
    ends the access tokens minted from it."""

    PREFIX = "fx_"
    REFRESH_PREFIX = "fxr_"

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access token")
        REFRESH = "refresh", _("Refresh token")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ACCESS)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("refresh token")
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("hint"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(cls, *, user, name: str, expires_at=None, kind: str = Kind.ACCESS, parent=None) -> tuple[ApiToken, str]:
        """A new token. An access token never outlives API_ACCESS_TOKEN_MINUTES (nor its
        refresh token), whatever `expires_at` asks for."""
        if kind == cls.Kind.ACCESS:
            latest = timezone.now() + access_token_lifetime()
            expires_at = min(expires_at or latest, latest)
            if parent is not None and parent.expires_at is not None:
                expires_at = min(expires_at, parent.expires_at)
        prefix = cls.REFRESH_PREFIX if kind == cls.Kind.REFRESH else cls.PREFIX
        raw = prefix + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, kind=kind, parent=parent, key_hash=_hash_token(raw), hint=raw[:8], expires_at=expires_at
        )
        return token, raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        """The active access token `raw`, if its refresh token (if any) is active too. An
        access token older than the allowed lifetime (from before tokens became short-lived)
        is refused."""
        if not raw.startswith(cls.PREFIX):
            return None
        now = timezone.now()
        token = (
            cls.objects.active()
            .filter(kind=cls.Kind.ACCESS, key_hash=_hash_token(raw))
            .filter(Q(parent__isnull=True) | Q(parent__revoked_at__isnull=True, parent__expires_at__gt=now))
            .select_related("user")
            .first()
        )
        if token is None or token.expires_at is None:
            return None
        if token.expires_at - token.created_at > access_token_lifetime() + timedelta(minutes=1):
            return None
        return token

    @classmethod
    def find_refresh(cls, raw: str) -> ApiToken | None:
        if not raw.startswith(cls.REFRESH_PREFIX):
            return None
        return cls.objects.active().filter(kind=cls.Kind.REFRESH, key_hash=_hash_token(raw)).select_related("user").first()


class AdminApprovalQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=AdminApproval.Status.PENDING, requested_at__gt=timezone.now() - AdminApproval.LIFETIME)


class AdminApproval(models.Model):
    """A request to reset the password or second factor of, or to disable, an account that
    a single administrator must not take over alone (待审批). It takes effect only when a
    second administrator, neither the requester nor the account concerned, approves it."""

    LIFETIME = timedelta(hours=24)

    class Action(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("Set an initial password")
        TOTP_RESET = "totp_reset", _("Reset the second factor")
        DISABLE = "disable", _("Disable the account")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("account"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The proposed initial password, hashed as the account would keep it: never in clear.
    password_hash = models.CharField(max_length=128, blank=True, editable=False)

    objects = AdminApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrator approval")
        verbose_name_plural = _("administrator approvals")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="approval_by_a_second_admin",
                violation_error_message=_("A request must be decided by an administrator other than the one who made it."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.target}"


class PasswordHistory(models.Model):
    """Earlier password hashes of an account, so that none of the last few is used again
    (see validators.PasswordHistoryValidator). Hashes only, as the account keeps them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d}"


class SecurityPolicy(models.Model):
    """Settings that the security admin sets on a page (one row)."""

    export_approval_rows = models.PositiveIntegerField(
        _("rows an export may hold without approval"),
        default=2000,
        help_text=_("An export of more rows waits for the security administrator's approval."),
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policies")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> SecurityPolicy:
        policy = cls.objects.filter(pk=1).first()
        return policy if policy is not None else cls(pk=1)


class ExportApproval(models.Model):
    """An export larger than the security policy allows, waiting for (or given) the
    security admin's approval. An approval lets its user run that export once within a day."""

    LIFETIME = timedelta(hours=24)

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        USED = "used", _("Used")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    export = models.CharField(_("export"), max_length=100)
    rows = models.PositiveIntegerField(_("rows"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export approval")
        verbose_name_plural = _("export approvals")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.export} · {self.user} · {self.rows}"


from .provision_models import ProvisionBatch  # noqa: E402,F401  (accounts made in bulk; kept apart from the core models)
from .sso_models import SsoPolicy  # noqa: E402,F401  (single sign-on policy)
