from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "fangxian.hazards"
    label = "hazards"
    verbose_name = _("Hazard inspections")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.demo import register_demo
        from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields
        from fangxian.core.tiles import register_dashboard_tiles
        from fangxian.org.coverage import NodeRule, register_coverage_rule
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import deadlines, demo, home, roles, supervision
        from .models import (
            Answer,
            AnswerPhoto,
            Campaign,
            CampaignPlace,
            Checklist,
            ChecklistItem,
            ChecklistVersion,
            EventPhoto,
            Finding,
            FindingEvent,
            Inspection,
        )

        for model in (Checklist, ChecklistVersion, ChecklistItem, Campaign, CampaignPlace, Inspection, Answer, AnswerPhoto):
            auditlog.register(model)
        for model in (Finding, FindingEvent, EventPhoto):
            auditlog.register(model)

        roles.register_roles()
        # Labs need a safety owner (on the lab or its building); the org rule of the same
        # key looked at the lab only, this one replaces it.
        register_coverage_rule(
            NodeRule(
                "lab_safety",
                _("Labs without a safety owner"),
                roles.LAB_SAFETY,
                model="place",
                kinds=("room",),
                uses=("lab",),
                ancestors=1,
                order=80,
            )
        )
        deadlines.register_kind()
        supervision.register_rules()

        register(NavItem("hazards", _("Hazard inspections"), "hazards:campaigns", "clipboard-check", group="duty", order=40))
        register(
            NavItem("hazard_findings", _("Hazards and rectification"), "hazards:findings", "exclamation-triangle", group="duty", order=42)
        )
        register(NavItem("hazard_labs", _("Labs not inspected lately"), "hazards:stale_labs", "hourglass-split", group="duty", order=44))
        register(NavItem("hazard_checklists", _("Inspection checklists"), "hazards:checklists", "list-check", group="duty", order=46))
        register_tiles(home.hazard_tiles, order=60)
        register_dashboard_tiles(home.dashboard_tiles, order=220)
        register_demo("hazards", 64, demo.load, demo.LOGINS)

        # Photos of places and rectifications may show people; notes describe who did what.
        register_personal_fields(
            "hazards.AnswerPhoto",
            PersonalField("image", Category.PHOTO, _("Evidence of a hazard found in an inspection"), Retention.YEARS_3),
            dated_by="created_at",
        )
        register_personal_fields(
            "hazards.EventPhoto",
            PersonalField("image", Category.PHOTO, _("Evidence of a rectification"), Retention.YEARS_3),
            dated_by="created_at",
        )
        register_personal_fields(
            "hazards.Answer",
            PersonalField("note", Category.NOTE, _("What the inspector saw"), Retention.YEARS_3),
            dated_by="saved_at",
        )
        register_personal_fields(
            "hazards.Inspection",
            PersonalField("note", Category.NOTE, _("What the inspector saw"), Retention.YEARS_3),
            dated_by="started_at",
        )
        register_personal_fields(
            "hazards.Finding",
            PersonalField("description", Category.NOTE, _("What the hazard is and who is concerned"), Retention.YEARS_3),
            dated_by="created_at",
        )
        register_personal_fields(
            "hazards.FindingEvent",
            PersonalField("note", Category.NOTE, _("What was done about a hazard and by whom"), Retention.YEARS_3),
            dated_by="at",
        )
