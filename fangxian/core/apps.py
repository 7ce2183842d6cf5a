from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangxian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import ImportBatch

        # The undo records hold old values of personal fields: the log keeps the rest.
        auditlog.register(ImportBatch, exclude_fields=["created_objects", "changed_fields"])
