from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "fangxian.privacy"
    label = "privacy"
    verbose_name = _("Personal information")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields
        from fangxian.web.nav import NavItem, register

        from . import access, signals, tasks  # noqa: F401  (signals index disclosures; tasks registers the nightly purge)
        from .models import EmergencyEnd, PurgeRun

        auditlog.register(EmergencyEnd, exclude_fields=["certificate", "signature"])
        auditlog.register(PurgeRun, exclude_fields=["progress"])
        # PurgeRun is itself the record of what the job did; AccessRecord indexes the audit log.
        signals.connect()
        register(
            NavItem("privacy_inventory", _("Personal information inventory"), "privacy:inventory", "list-check", group="system", order=60)
        )
        # The access index is a copy of the audit log's disclosures: kept as long as the log.
        register_personal_fields(
            "privacy.AccessRecord",
            PersonalField("username", Category.ACCOUNT, _("Answer who saw a person's data (PIPL art. 55)"), Retention.AUDIT),
            PersonalField("ip_address", Category.ACCOUNT, _("Answer who saw a person's data (PIPL art. 55)"), Retention.AUDIT),
            PersonalField("reason", Category.NOTE, _("Answer who saw a person's data (PIPL art. 55)"), Retention.AUDIT),
            dated_by="at",
        )
        register_personal_fields("privacy.EmergencyEnd", not_personal=("note", "ends_on"))  # about the emergency, not a person
