from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatesConfig(AppConfig):
    name = "fangxian.gates"
    label = "gates"
    verbose_name = _("Gate control")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role
        from fangxian.core.demo import register_demo
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import categories, demo, tasks  # noqa: F401  (periodic tasks register on import)
        from .home import gate_tiles
        from .models import Device, LeaveApplication, PolicyVersion, Revocation, Vehicle, Visit

        for model in (PolicyVersion, Device, Revocation, Vehicle, LeaveApplication):
            auditlog.register(model)
        auditlog.register(Visit, mask_fields=["id_number", "phone"])
        categories.register_category_resolver(categories.org_categories)
        register(
            NavItem(
                "gates",
                _("Gates"),
                "gates:overview",
                "door-open",
                roles={Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.GATE_GUARD},
                order=300,
            )
        )
        register(NavItem("gate_station", _("Guard station"), "gates:station", "qr-code-scan", roles={Role.GATE_GUARD}, order=301))
        register(NavItem("gate_pass", _("My pass"), "gates:my_pass", "qr-code", roles={Role.STUDENT, Role.STAFF}, order=302))
        register(
            NavItem(
                "gate_leave",
                _("Leave applications"),
                "gates:leave_list",
                "box-arrow-right",
                roles={Role.STUDENT, Role.COUNSELOR, Role.COLLEGE_ADMIN},
                order=303,
            )
        )
        register(
            NavItem("gate_visits", _("Visitors"), "gates:visit_list", "person-badge", roles={Role.STAFF, Role.PREVENTION_OFFICE}, order=304)
        )
        register_tiles(gate_tiles)
        register_demo("gates", 50, demo.load, demo.LOGINS)
