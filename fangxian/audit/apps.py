from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "fangxian.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model
        from django.db import connections
        from django.db.backends.signals import connection_created

        from .appendonly import register_sqlite_function

        # SQLite's append-only triggers ask a function of the connection (see appendonly).
        connection_created.connect(register_sqlite_function, dispatch_uid="fangxian-audit-sqlite")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                register_sqlite_function(None, connection)

        from fangxian.accounts.models import ApiToken, RoleGrant

        # Accounts are audited here because accounts is imported by audit, not the reverse.
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
        auditlog.register(RoleGrant)
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
