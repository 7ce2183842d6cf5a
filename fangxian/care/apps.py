from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "fangxian.care"
    label = "care"
    verbose_name = _("Care of students who stay")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role
        from fangxian.core.demo import register_demo
        from fangxian.core.personal import Category, Mask, PersonalField, Retention, register_personal_fields
        from fangxian.core.supervision import register_supervision_rule
        from fangxian.core.tiles import register_dashboard_tiles
        from fangxian.deadlines.registry import register as register_deadline
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import access, deadlines, demo, home, providers, roles, supervision
        from .models import Canteen, CanteenReport, CarePlan, FeverReferral, FollowUp, HelpRequest, MealRating

        for model in (HelpRequest, Canteen, CanteenReport, MealRating, FeverReferral):
            auditlog.register(model)
        auditlog.register(CarePlan, mask_fields=["note"])
        # A psychological record's content stays out of the change log: the log is read by
        # the audit administrator, who is not among those who may read it.
        auditlog.register(FollowUp, mask_fields=["content"])

        roles.register_roles()
        register_deadline(deadlines.FOLLOW_UP)  # the follow-up clock: owner, then the counselor, then the college
        register_deadline(deadlines.HELP)  # a help request's time limit: one-to-one staff, counselor, college, office
        register_deadline(deadlines.CANTEEN_REPORT)  # a canteen's daily report by 10:00: its managers, then the logistics office

        register(NavItem("care", _("Care of students who stay"), "care:list", "heart-pulse", group="students", order=60))
        register(
            NavItem(
                "care-help", _("Help requests"), "care:help_list", "life-preserver", group="students", roles=access.HELP_READERS, order=62
            )
        )
        register(NavItem("care-ask", _("Ask for help"), "care:ask", "chat-heart", group="students", order=64))
        register(NavItem("care-meals", _("Rate today's meal"), "care:meals", "egg-fried", group="students", order=66))
        register(NavItem("care-canteens", _("Canteens and meals"), "care:canteens", "shop", group="reports", order=60))
        register(
            NavItem(
                "care-referrals",
                _("Fever clinic referrals"),
                "care:referrals",
                "hospital",
                group="reports",
                roles={Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR, Role.STAFF},
                order=62,
            )
        )
        register_tiles(home.home_tiles, order=70)
        register_dashboard_tiles(home.dashboard_tiles, order=240)
        register_supervision_rule(supervision.RULE)
        register_demo("care", 68, demo.load, demo.LOGINS)
        providers.connect()

        after_stay = Retention.AFTER_EMERGENCY
        register_personal_fields(
            "care.CarePlan",
            PersonalField("group_code", Category.FAMILY, _("Which special group a student in care belongs to"), after_stay, sensitive=True),
            PersonalField("group_name", Category.FAMILY, _("Which special group a student in care belongs to"), after_stay, sensitive=True),
            PersonalField("note", Category.NOTE, _("What those looking after the student need to know"), after_stay, sensitive=True),
            dated_by="starts_on",
        )
        register_personal_fields(
            "care.FollowUp",
            PersonalField(
                "content", Category.PSYCHOLOGICAL, _("The record of a care follow-up"), after_stay, sensitive=True, mask=Mask.HIDDEN
            ),
            PersonalField(
                "needs_attention", Category.PSYCHOLOGICAL, _("Whether the student needs further attention"), after_stay, sensitive=True
            ),
            dated_by="at",
        )
        register_personal_fields(
            "care.HelpRequest",
            PersonalField("text", Category.HEALTH, _("What the student asked for help with"), after_stay, sensitive=True),
            PersonalField("answer", Category.NOTE, _("The answer the student received"), after_stay),
            PersonalField("answered_by_name", Category.IDENTITY, _("Who answered"), after_stay),
            dated_by="created_at",
        )
        register_personal_fields(
            "care.MealRating",
            PersonalField("comment", Category.NOTE, _("A student's comment on a meal"), Retention.MONTHS_6),
            PersonalField("reply", Category.NOTE, _("The logistics office's reply"), Retention.MONTHS_6),
            dated_by="day",
        )
        register_personal_fields(
            "care.CanteenReport",
            PersonalField("note", Category.NOTE, _("Remarks on food samples and the staff's health check"), Retention.YEAR_1),
            dated_by="day",
        )
        register_personal_fields(
            "care.FeverReferral",
            PersonalField("referred_at", Category.WHEREABOUTS, _("When the student went to the fever clinic"), after_stay),
            PersonalField("from_where", Category.WHEREABOUTS, _("Where the student was sent from"), after_stay),
            PersonalField("temperature", Category.HEALTH, _("The student's temperature"), after_stay),
            PersonalField("symptoms", Category.HEALTH, _("The student's symptoms"), after_stay),
            PersonalField("result", Category.HEALTH, _("What the fever clinic found"), after_stay),
            PersonalField("result_at", Category.HEALTH, _("What the fever clinic found"), after_stay),
            PersonalField("back_on_campus_at", Category.WHEREABOUTS, _("When the student came back to campus"), after_stay),
            PersonalField("note", Category.HEALTH, _("Remarks on the referral"), after_stay),
            dated_by="referred_at",
        )
        # Look personal by their names, are not: a canteen's name, a count of staff checked.
        register_personal_fields("care.Canteen", not_personal=("name",))
        register_personal_fields("care.CanteenReport", not_personal=("staff_checked",))
