from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "fangxian.notices"
    label = "notices"
    verbose_name = _("Policy publicity")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role
        from fangxian.core.demo import register_demo
        from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields
        from fangxian.core.tiles import register_dashboard_tiles
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import access, demo, home, roles, supervision
        from .models import Attachment, Attempt, AudienceRule, Notice, NoticeVersion, Question, Receipt, Reminder

        for model in (Notice, NoticeVersion, Attachment, AudienceRule, Question, Receipt, Reminder):
            auditlog.register(model)
        auditlog.register(Attempt)
        roles.register_roles()
        supervision.register_rules()
        register(NavItem("notices_mine", _("My notices"), "notices:mine", "envelope-open", group="publicity", roles=access.OWN, order=10))
        register(NavItem("notices", _("Notices and policies"), "notices:list", "megaphone", group="publicity", order=20))
        register(
            NavItem(
                "notices_public",
                _("Public notices (家校齐心)"),
                "notices:public_list",
                "globe",
                group="publicity",
                roles={Role.PREVENTION_OFFICE, Role.STAFF},
                order=30,
            )
        )
        register_tiles(home.notice_tiles, order=75)
        register_dashboard_tiles(home.dashboard_tiles, order=250)
        register_demo("notices", 70, demo.load, demo.LOGINS)
        register_personal_fields(
            "notices.Receipt",
            PersonalField("student", Category.IDENTITY, _("Who must read a notice"), Retention.YEAR_1),
            PersonalField("staff", Category.IDENTITY, _("Who must read a notice"), Retention.YEAR_1),
            PersonalField("user", Category.ACCOUNT, _("Who must read a notice"), Retention.YEAR_1),
            PersonalField("read_at", Category.ACCOUNT, _("Prove that a person was informed of a policy"), Retention.YEAR_1),
            PersonalField("score", Category.NOTE, _("Prove that a person understood a policy"), Retention.YEAR_1),
            dated_by="created_at",
        )
        register_personal_fields(
            "notices.Attempt",
            PersonalField("answers", Category.NOTE, _("Prove that a person understood a policy"), Retention.YEAR_1),
            PersonalField("score", Category.NOTE, _("Prove that a person understood a policy"), Retention.YEAR_1),
            dated_by="created_at",
        )
        register_personal_fields(
            "notices.AudienceRule",
            PersonalField("people", Category.IDENTITY, _("Address a notice to a list of people"), Retention.YEAR_1),
        )
        register_personal_fields(
            "notices.Reminder",
            PersonalField("receipt", Category.ACCOUNT, _("Remind a person who has not read a notice"), Retention.YEAR_1),
            dated_by="created_at",
        )
        # A notice is public text about policies, not about a person; a file's name is the file's.
        register_personal_fields("notices.Attachment", not_personal=("name",))
        register_personal_fields("notices.Notice", not_personal=("body", "body_text", "issuer"))
        register_personal_fields("notices.NoticeVersion", not_personal=("body", "body_text", "issuer", "note"))
        register_personal_fields("notices.Question", not_personal=("text",))
