from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangxian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import post_migrate

        from . import keys  # noqa: F401  registers the secret key check
        from .models import InstallationKey

        # Accepting another secret key (manage.py secret_key --accept) is a security change.
        auditlog.register(InstallationKey)

        post_migrate.connect(_record_secret_key, sender=self)

        from auditlog.registry import auditlog

        from .models import ImportBatch

        # The undo records hold old values of personal fields: the log keeps the rest.
        auditlog.register(ImportBatch, exclude_fields=["created_objects", "changed_fields"])

        from .personal import register_personal_fields

        # Names of processes, jobs and stored files, not of people (fangxian.core.personal).
        register_personal_fields("core.ImportBatch", not_personal=("file_name",))
        register_personal_fields("core.StoredFile", not_personal=("name",))
        for label in ("core.Heartbeat", "core.PeriodicRun", "core.Lease"):
            register_personal_fields(label, not_personal=("name",))


def _record_secret_key(sender, using="default", **kwargs):
    """Setting up (or migrating) the database records the installation's SECRET_KEY."""
    from . import keys

    if using == "default":
        keys.record()
