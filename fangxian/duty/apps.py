from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "fangxian.duty"
    label = "duty"
    verbose_name = _("Duty")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.org.registry import register_assignment_role
        from fangxian.web.nav import NavItem, register

        from . import personal, roles
        from .models import LogEntry, Ping, PingRequest, Post, Roster, Shift, Swap, Unavailability

        for model in (Roster, Shift, Swap, Unavailability, Ping, PingRequest):
            auditlog.register(model)
        auditlog.register(Post, mask_fields=["phone"])
        auditlog.register(LogEntry)

        # A duty post is an assignment bound to the shift's window: scope, coverage and
        # escalation "along the assignments" know who is on duty right now.
        register_assignment_role(roles.DUTY_LEADER)
        register_assignment_role(roles.DUTY_STAFF)

        register(NavItem("duty", _("Duty roster"), "duty:list", "calendar-check", group="duty", order=10))
        personal.register()
