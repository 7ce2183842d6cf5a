from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "fangxian.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from .appendonly import register_sqlite_function

        # SQLite's append-only triggers ask a function of the connection (see appendonly).
        connection_created.connect(register_sqlite_function, dispatch_uid="fangxian-audit-sqlite")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                register_sqlite_function(None, connection)

        from fangxian.core.signals import import_recorded

        from .services import record_import

        # fangxian.core announces imports (it imports no app); the event is recorded here.
        import_recorded.connect(record_import, dispatch_uid="fangxian-audit-import")

        from . import personal

        personal.register()  # the app's personal fields (fangxian.core.personal)
