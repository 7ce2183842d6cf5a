from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "fangxian.dashboard"
    label = "dashboard"
    verbose_name = _("Command dashboard")

    def ready(self) -> None:
        from fangxian.core.demo import register_demo
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import demo, signals, tasks, tiles  # noqa: F401  (periodic tasks register on import)
        from .home import dashboard_tiles

        signals.connect()
        register_demo("dashboard", 90, demo.load)  # last: reads what the other demos made
        tiles.register_builtin_tiles()
        register(NavItem("dashboard", _("Command dashboard"), "dashboard:overview", "speedometer2", group="command", order=10))
        register(NavItem("reconcile", _("Headcount reconciliation"), "dashboard:reconcile", "clipboard-check", group="command", order=20))
        register_tiles(dashboard_tiles, order=5)
        from .supervision import register_rules as register_supervision_rules

        register_supervision_rules()  # the supervision desk's daily derivation (fangxian.core.supervision)

        from . import personal

        personal.register()  # the app's personal fields (fangxian.core.personal)
