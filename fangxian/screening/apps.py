from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "fangxian.screening"
    label = "screening"
    verbose_name = _("Screening rounds")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role
        from fangxian.core.demo import register_demo
        from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields
        from fangxian.core.supervision import register_supervision_rule
        from fangxian.core.tiles import register_dashboard_tiles
        from fangxian.deadlines.registry import register as register_deadline
        from fangxian.org.registry import register_assignment_role
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import deadlines, demo, home, roles, supervision
        from .models import LabMapping, Member, ResultImport, Round, Sample, Slot, Tube

        for model in (Round, Slot, Member, Tube, Sample, ResultImport, LabMapping):
            auditlog.register(model)
        # 采样人员, posted at a sampling site or a whole campus.
        register_assignment_role(roles.SAMPLER_ROLE)
        register_deadline(deadlines.KIND)  # the missing, as tasks of their one-to-one staff
        register(NavItem("screening", _("Screening rounds"), "screening:list", "eyedropper", group="students", order=60))
        register(NavItem("screening-sample", _("Sampling"), "screening:sample", "upc-scan", group="students", roles={Role.STAFF}, order=62))
        register(
            NavItem("screening-mine", _("My test"), "screening:mine", "clipboard2-pulse", group="students", roles={Role.STUDENT}, order=64)
        )
        register_tiles(home.home_tiles, order=65)
        register_dashboard_tiles(home.dashboard_tiles, order=230)
        register_supervision_rule(supervision.RULE)
        register_demo("screening", 66, demo.load, demo.LOGINS)
        # Test results are health data (sensitive); who was sampled where and when is whereabouts.
        why = _("Screening rounds ordered by the city's prevention authorities")
        register_personal_fields(
            "screening.Sample",
            PersonalField("result", Category.HEALTH, why, Retention.AFTER_EMERGENCY),
            PersonalField("sampled_at", Category.WHEREABOUTS, why, Retention.AFTER_EMERGENCY),
            PersonalField("place", Category.WHEREABOUTS, why, Retention.AFTER_EMERGENCY),
            dated_by="sampled_at",
        )
        register_personal_fields(
            "screening.Member",
            PersonalField("student", Category.IDENTITY, why, Retention.AFTER_EMERGENCY),
            PersonalField("staff", Category.IDENTITY, why, Retention.AFTER_EMERGENCY),
            PersonalField("sampled_at", Category.HEALTH, why, Retention.AFTER_EMERGENCY),
            PersonalField("building", Category.WHEREABOUTS, why, Retention.AFTER_EMERGENCY),
        )
        register_personal_fields("screening.Tube", PersonalField("result", Category.HEALTH, why, Retention.AFTER_EMERGENCY))
        # A round's and a lab file's own names and notes, not a person's.
        register_personal_fields("screening.LabMapping", not_personal=("key_header",))
        register_personal_fields("screening.ResultImport", not_personal=("file_name",))
        register_personal_fields("screening.Round", not_personal=("category_name", "kind_note", "name"))
        from fangxian.core.exports import ExportKind, register_export

        from . import access

        # The round's people with their ID numbers: masked unless an approved grant (the office's).
        register_export(ExportKind("screening.xlsx", _("Screening results (xlsx)"), "screening:report_xlsx", roles=access.ID_NUMBER_ROLES))
