from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "fangxian.incidents"
    label = "incidents"
    verbose_name = _("Incident reports")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.demo import register_demo
        from fangxian.core.incidents import register_incident_opener
        from fangxian.core.personal import Category, Mask, PersonalField, Retention, register_personal_fields
        from fangxian.core.supervision import register_supervision_rule
        from fangxian.core.tiles import register_dashboard_tiles
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import access, demo, home, providers, services, supervision
        from .deadlines import register_kinds
        from .models import Incident, Photo, Policy, TimeLimit, Update

        for model in (Update, Photo, TimeLimit, Policy):
            auditlog.register(model)
        auditlog.register(Incident, mask_fields=["reporter_phone"])  # the change log keeps no full phone number
        register_kinds()  # 首报, written report, 续报: clocks and escalation on fangxian.deadlines
        register_incident_opener(services.open_from_request)  # hazards and screening open incidents
        register(NavItem("incidents", _("Incident reports"), "incidents:list", "exclamation-triangle", group="duty", order=30))
        register(
            NavItem(
                "incident_limits", _("Incident time limits"), "incidents:limits", "stopwatch", group="duty", roles=access.OFFICE, order=80
            )
        )
        register_tiles(home.home_tiles, order=55)
        register_dashboard_tiles(home.dashboard_tiles, order=210)
        register_supervision_rule(supervision.SUPERVISION_RULE)
        providers.register()  # figures for report forms (疫情信息日报): incidents, people in fever/positive/contact incidents
        register_demo("incidents", 62, demo.load)
        purpose = _("Report and handle incidents")
        from fangxian.core.exports import ExportKind, register_export

        from . import access as incident_access

        # The reporter's phone in the incident report: masked unless an approved grant.
        register_export(
            ExportKind("incident_report", _("Incident information report"), "incidents:docx", roles=incident_access.PEOPLE_ROLES)
        )
        register_personal_fields(
            "incidents.Incident",
            PersonalField("students", Category.HEALTH, purpose, Retention.YEARS_3, mask=Mask.HIDDEN),
            PersonalField("staff", Category.HEALTH, purpose, Retention.YEARS_3, mask=Mask.HIDDEN),
            PersonalField("others", Category.NOTE, purpose, Retention.YEARS_3, mask=Mask.HIDDEN),
            PersonalField("description", Category.NOTE, purpose, Retention.YEARS_3),
            PersonalField("measures", Category.NOTE, purpose, Retention.YEARS_3),
            PersonalField("next_steps", Category.NOTE, purpose, Retention.YEARS_3),
            PersonalField("place_detail", Category.WHEREABOUTS, purpose, Retention.YEARS_3),
            PersonalField("reporter_name", Category.IDENTITY, _("Reach the reporter"), Retention.YEARS_3),
            PersonalField("reporter_phone", Category.CONTACT, _("Reach the reporter"), Retention.YEARS_3, mask=Mask.PHONE),
            PersonalField("reported_by", Category.ACCOUNT, _("Reach the reporter"), Retention.YEARS_3),
            PersonalField("acknowledged_by", Category.ACCOUNT, purpose, Retention.YEARS_3),
            dated_by="occurred_at",
        )
        register_personal_fields(
            "incidents.Update",
            PersonalField("text", Category.NOTE, purpose, Retention.YEARS_3),
            PersonalField("measures", Category.NOTE, purpose, Retention.YEARS_3),
            PersonalField("next_steps", Category.NOTE, purpose, Retention.YEARS_3),
            PersonalField("author_name", Category.IDENTITY, purpose, Retention.YEARS_3),
            PersonalField("created_by", Category.ACCOUNT, purpose, Retention.YEARS_3),
            dated_by="created_at",
        )
        register_personal_fields(
            "incidents.Photo",
            PersonalField("image", Category.PHOTO, _("Show the scene of an incident"), Retention.YEARS_3),
            dated_by="added_at",
        )
