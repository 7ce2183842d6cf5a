from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    """Deadlines on any object, with reminders and escalation (a core app: feature apps
    register their kinds in it, see registry.py; it imports no feature app)."""

    name = "fangxian.deadlines"
    label = "deadlines"
    verbose_name = _("Deadlines")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import tasks  # noqa: F401  (registers the periodic tick)
        from .models import Deadline

        auditlog.register(Deadline)
        # SentStep is not registered: it is itself the record of what was sent (a log entry
        # per step would double every step's writes).
        from fangxian.web.home import register_tiles

        from .selectors import overdue_tiles

        register_tiles(overdue_tiles)

        # The overdue list sits with the command pages; the view's roles decide who sees it.
        from fangxian.web.nav import NavItem, register

        register(NavItem("overdue", _("Overdue items"), "deadlines:overdue", "alarm", group="command", order=30))
