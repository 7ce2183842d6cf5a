from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "fangxian.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from fangxian.accounts.models import ApiToken, RoleGrant

        # Accounts are audited here because accounts is imported by audit, not the reverse.
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
        auditlog.register(RoleGrant)
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
