from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "fangxian.privacy"
    label = "privacy"
    verbose_name = _("Personal information")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.exports import set_grant_backend
        from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields
        from fangxian.web.nav import NavItem, register

        from . import access, exports, signals, tasks  # noqa: F401  (signals index disclosures; tasks registers the nightly purge)
        from .models import EmergencyEnd, ExportGrant, ExportRecord, PurgeRun

        auditlog.register(EmergencyEnd, exclude_fields=["certificate", "signature"])
        auditlog.register(PurgeRun, exclude_fields=["progress"])
        # PurgeRun is itself the record of what the job did; AccessRecord indexes the audit log.
        auditlog.register(ExportGrant)
        auditlog.register(ExportRecord, exclude_fields=["held"])
        signals.connect()
        set_grant_backend(exports.use_grant)  # ?grant=<id> on an export's download
        # Next to the security policy's export approvals (large exports): this queue is for
        # exports with the personal fields in full; the requester follows their own there.
        register(
            NavItem(
                "privacy_export_grants",
                _("Unmasked exports"),
                "privacy:export_grants",
                "unlock",
                group="system",
                roles=access.EXPORT_GRANT_READERS,
                order=41,
            )
        )
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
        register_personal_fields(
            "privacy.ExportRecord",
            PersonalField("username", Category.ACCOUNT, _("Answer which files held a person's data"), Retention.AUDIT),
            dated_by="at",
        )
        register_personal_fields(
            "privacy.ExportGrant",
            PersonalField("reason_text", Category.NOTE, _("Answer why a file held a person's data in full"), Retention.AUDIT),
            dated_by="requested_at",
            not_personal=("reason",),  # a key of the short list of reasons (RevealReason), not a text about anyone
        )
        register_personal_fields("privacy.EmergencyEnd", not_personal=("note", "ends_on"))  # about the emergency, not a person
