from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "fangxian.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.demo import register_demo
        from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields
        from fangxian.core.tiles import register_dashboard_tiles
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import access, demo, home, tasks  # noqa: F401  (tasks registers the daily derivation)
        from .deadlines import register_kind
        from .models import Accountability, Answer, AnswerAttachment, Case, CaseCounter, Finding

        for model in (Finding, Case, Answer, AnswerAttachment, Accountability, CaseCounter):
            auditlog.register(model)
        register_kind()  # a 督办's reminders and escalation run on fangxian.deadlines
        register(NavItem("supervision", _("Supervision"), "supervision:index", "clipboard2-pulse", group="publicity", order=30))
        register(
            NavItem(
                "supervision-leads",
                _("Supervision leads"),
                "supervision:findings",
                "search",
                group="publicity",
                roles=access.OVERSEERS,
                order=35,
            )
        )
        register(
            NavItem(
                "supervision-accountability",
                _("Accountability records"),
                "supervision:accountability",
                "shield-lock",
                group="publicity",
                roles=access.ACCOUNTABILITY_READERS,
                order=40,
            )
        )
        register_tiles(home.home_tiles, order=80)
        register_dashboard_tiles(home.dashboard_tiles, order=260)
        register_demo("supervision", 85, demo.load)
        note, three_years = Category.NOTE, Retention.YEARS_3
        register_personal_fields(
            "supervision.Finding",
            # A lead's title may name a student (not back from leave).
            PersonalField("title", note, _("Facts behind a supervision lead"), three_years),
            PersonalField("evidence", note, _("Facts behind a supervision lead"), three_years),
            dated_by="first_seen",
        )
        register_personal_fields(
            "supervision.Case",
            PersonalField("title", note, _("Facts behind a supervision notice"), three_years),
            PersonalField("evidence", note, _("Facts behind a supervision notice"), three_years),
            PersonalField("closing_note", note, _("Closing opinion on a supervision notice"), three_years),
            dated_by="created_at",
        )
        register_personal_fields(
            "supervision.Answer",
            PersonalField("text", note, _("The unit's answer to a supervision notice"), three_years),
            PersonalField("decision_note", note, _("Reviewer's opinion on an answer"), three_years),
            dated_by="submitted_at",
        )
        register_personal_fields(
            "supervision.AnswerAttachment",
            PersonalField("file", note, _("Documents attached to an answer"), three_years),
        )
        register_personal_fields(
            "supervision.Accountability",
            PersonalField("person_name", Category.IDENTITY, _("Who was held accountable"), three_years, sensitive=True),
            PersonalField("person", Category.IDENTITY, _("Who was held accountable"), three_years, sensitive=True),
            PersonalField("note", note, _("Facts and reasons of an accountability measure"), three_years, sensitive=True),
            dated_by="day",
        )
        register_personal_fields("supervision.AnswerAttachment", not_personal=("name",))  # the file's name
        register_personal_fields(
            "supervision.Finding",
            PersonalField("dismissed_reason", Category.NOTE, _("Why a lead was dismissed (may name a person)"), three_years),
        )
