from __future__ import annotations

import hashlib
import secrets

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


class ApiToken(models.Model):
    """A bearer token for programs (API 令牌). Only its hash is stored; the token itself is
    shown once, when it is created."""

    PREFIX = "fx_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
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
    def issue(cls, *, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=_hash_token(raw), hint=raw[:8], expires_at=expires_at)
        return token, raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        if not raw.startswith(cls.PREFIX):
            return None
        return cls.objects.active().select_related("user").filter(key_hash=_hash_token(raw)).first()


from .provision_models import ProvisionBatch  # noqa: E402,F401  (accounts made in bulk; kept apart from the core models)
from .sso_models import SsoPolicy  # noqa: E402,F401  (single sign-on policy)
