from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "fangxian.duty"
    label = "duty"
    verbose_name = _("Duty")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.demo import register_demo
        from fangxian.core.tiles import register_dashboard_tiles
        from fangxian.org.coverage import CalendarRule, register_coverage_rule
        from fangxian.org.registry import register_assignment_role
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import access, deadlines, demo, home, personal, providers, roles, supervision
        from .models import LogEntry, Ping, PingRequest, PingSchedule, PingSlot, Post, Roster, Shift, Swap, Unavailability

        for model in (Roster, Shift, Swap, Unavailability, Ping, PingRequest, PingSchedule, PingSlot, LogEntry):
            auditlog.register(model)
        auditlog.register(Post, mask_fields=["phone"])

        # A duty post is an assignment bound to the shift's window: scope, coverage and
        # escalation "along the assignments" know who is on duty right now.
        register_assignment_role(roles.DUTY_LEADER)
        register_assignment_role(roles.DUTY_STAFF)
        # Part of coverage: every day of the next two weeks needs a leader and staff on duty.
        register_coverage_rule(
            CalendarRule("duty_leader", _("Days without a leader on duty"), roles.DUTY_LEADER_KEY, horizon=13, order=300)
        )
        register_coverage_rule(CalendarRule("duty_staff", _("Days without staff on duty"), roles.DUTY_STAFF_KEY, horizon=13, order=301))
        deadlines.register()

        register(NavItem("duty-mine", _("My duty"), "duty:mine", "person-badge", group="duty", roles=access.ON_DUTY, order=5))
        register(NavItem("duty", _("Duty roster"), "duty:list", "calendar-check", group="duty", order=10))
        register(NavItem("duty-on-post", _("On post now"), "duty:on_post", "person-check", group="duty", order=11))
        register(NavItem("duty-gaps", _("Duty gaps"), "duty:gaps", "exclamation-triangle", group="duty", order=12))
        register(NavItem("duty-pings", _("Reachability pings"), "duty:pings", "broadcast", group="duty", order=13))
        register(NavItem("duty-log", _("Duty log"), "duty:log", "journal-text", group="duty", order=14))
        register(
            NavItem(
                "duty-swaps", _("Swaps"), "duty:swaps", "arrow-left-right", group="duty", roles=access.ON_DUTY | access.WRITERS, order=15
            )
        )
        register_tiles(home.duty_tiles, order=50)
        register_dashboard_tiles(home.dashboard_tiles, order=200)
        register_demo("duty", 60, demo.load, demo.LOGINS)
        personal.register()
        from . import exports

        exports.register()  # the roster exports' unmasked request (fangxian.core.exports)
        supervision.register()
        providers.connect()
