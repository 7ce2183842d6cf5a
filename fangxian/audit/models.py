from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# China's Cybersecurity Law asks for network logs to be kept six months: nothing younger
# may be removed (the database's triggers refuse it, see migrations/0003).
RETENTION_DAYS = 183


class AppendOnlyError(RuntimeError):
    pass


class SecurityEventQuerySet(models.QuerySet):
    """Bulk changes bypass Model.save/delete; refuse them too."""

    def update(self, **kwargs):
        raise AppendOnlyError("security events cannot be changed")

    def delete(self):
        raise AppendOnlyError("security events cannot be deleted")


class SecurityEvent(models.Model):
    """A security or domain event (安全事件): logins, lockouts, second-factor use, reveals and
    exports of personal data. Append-only: the platform offers no way to change or delete one.

    Changes of domain rows are recorded by django-auditlog (auditlog.LogEntry); this table
    holds what is not a row change.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Account locked out")
        LOGOUT = "logout", _("Logout")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        TOTP_ENROLLED = "totp_enrolled", _("Second factor enrolled")
        TOTP_VERIFIED = "totp_verified", _("Second factor verified")
        TOTP_FAILED = "totp_failed", _("Second factor failed")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        TOTP_RESET = "totp_reset", _("Second factor reset")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REVOKED = "role_revoked", _("Role revoked")
        ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
        ACCOUNT_ENABLED = "account_enabled", _("Account enabled")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        REVEAL = "reveal", _("Personal data revealed")
        EXPORT = "export", _("Data exported")
        IMPORT = "import", _("Data imported")
        # Accounts: 三权分立 refusals, second-admin approvals, throttling, token refresh.
        ADMIN_REFUSED = "admin_refused", _("Administrative action refused")
        APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
        APPROVAL_GRANTED = "approval_granted", _("Approval granted")
        APPROVAL_REJECTED = "approval_rejected", _("Approval rejected")
        RATE_LIMITED = "rate_limited", _("Rate limit reached")
        TOKEN_REFRESHED = "token_refreshed", _("API token refreshed")
        # A page or object refused to a signed-in user (403, or 404 for what is outside their scope).
        REFUSED = "refused", _("Access refused")
        # A page of one person's data (a student's or a staff member's page) was viewed.
        PERSONAL_VIEW = "personal_view", _("Personal page viewed")
        # Rows older than the retention were purged (the one sanctioned deletion).
        AUDIT_PURGED = "audit_purged", _("Audit rows purged")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("security events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("security events cannot be deleted")
