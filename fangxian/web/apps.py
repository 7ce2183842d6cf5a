from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WebConfig(AppConfig):
    name = "fangxian.web"
    label = "web"
    verbose_name = _("Web shell")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role

        from .models import SiteConfig
        from .nav import NavGroup, NavItem, register, register_group

        auditlog.register(SiteConfig)
        from fangxian.core.personal import register_personal_fields

        # The institution's name and its support desk's contact, not a person's (fangxian.core.personal).
        register_personal_fields("web.SiteConfig", not_personal=("institution_name", "support_contact"))
        # The top bar's groups, named after the work; apps put their entries in them.
        for order, (key, label, icon) in enumerate(
            (
                ("command", pgettext_lazy("nav group", "Command"), "speedometer2"),
                ("students", pgettext_lazy("nav group", "Students"), "mortarboard"),
                ("reports", pgettext_lazy("nav group", "Reports"), "clipboard-data"),
                ("gates", pgettext_lazy("nav group", "Gates"), "door-open"),
                ("duty", pgettext_lazy("nav group", "Duty and safety"), "shield-shaded"),
                ("publicity", pgettext_lazy("nav group", "Publicity and supervision"), "megaphone"),
                ("org", pgettext_lazy("nav group", "Organisation and people"), "diagram-3"),
                ("system", pgettext_lazy("nav group", "System"), "gear"),
                # Not a menu: the entries of the user's own menu (top right).
                ("personal", pgettext_lazy("nav group", "Me"), "person-circle"),
            ),
            start=1,
        ):
            register_group(NavGroup(key, label, icon, order=order * 10))
        register(NavItem("audit", _("Audit log"), "audit:log", "journal-text", group="system", order=10))
        register(NavItem("users", _("Users and roles"), "accounts:admin_users", "people", group="system", order=20))
        register(NavItem("approvals", _("Administrator approvals"), "accounts:approvals", "check2-square", group="system", order=30))
        register(NavItem("exports", _("Export approvals"), "accounts:export_approvals", "download", group="system", order=40))
        register(NavItem("config", _("System settings"), "web:config", "gear", group="system", order=50))
        # The API's documentation is for whoever connects systems to the platform.
        register(NavItem("api", _("API"), "api-docs", "braces", group="system", roles={Role.SYSTEM_ADMIN}, order=90))
