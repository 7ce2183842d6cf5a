from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "fangxian.web"
    label = "web"
    verbose_name = _("Web shell")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role

        from .models import SiteConfig
        from .nav import NavItem, register

        auditlog.register(SiteConfig)
        register(NavItem("home", _("Home"), "web:home", "house", order=0))
        register(NavItem("audit", _("Audit log"), "audit:log", "journal-text", roles={Role.AUDIT_ADMIN}, order=900))
        register(NavItem("users", _("Users and roles"), "accounts:admin_users", "people", roles={Role.SECURITY_ADMIN}, order=910))
        admins = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
        register(NavItem("approvals", _("Administrator approvals"), "accounts:approvals", "check2-square", roles=admins, order=915))
        register(NavItem("exports", _("Export approvals"), "accounts:export_approvals", "download", roles={Role.SECURITY_ADMIN}, order=916))
        register(NavItem("config", _("System settings"), "web:config", "gear", roles={Role.SYSTEM_ADMIN}, order=920))
        register(NavItem("api", _("API"), "api-docs", "braces", order=990))
