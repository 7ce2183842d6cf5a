from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatesConfig(AppConfig):
    name = "fangxian.gates"
    label = "gates"
    verbose_name = _("Gate control")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.caches import register_cache

        from . import cache, selectors, signing

        # Scans keep policies, keys, devices and revocations in memory for a few seconds.
        for clear in (selectors.forget_policies, signing.forget_keys, cache.forget_all):
            register_cache(clear)

        from fangxian.accounts.roles import Role
        from fangxian.core.demo import register_demo
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import categories, demo
        from .home import gate_tiles
        from .models import Device, GateAlert, LeaveApplication, PolicyRule, PolicyVersion, Revocation, SigningKey, Vehicle, Visit

        for model in (PolicyVersion, PolicyRule, Device, Revocation, Vehicle, LeaveApplication, GateAlert):
            auditlog.register(model)
        auditlog.register(Visit, mask_fields=["id_number", "phone"])
        auditlog.register(SigningKey, exclude_fields=["private_pem"])  # never copy a private key into the log
        # Scan is not registered: it is itself the append-only record (updates and deletes
        # are refused), written by one INSERT on the scan path.
        categories.register_category_resolver(categories.org_categories)
        # Roles come from the views; `roles=` where a view checks inside (or narrows to whose work it is).
        register(
            NavItem("gate_station", _("Guard station"), "gates:station", "qr-code-scan", group="gates", roles={Role.GATE_GUARD}, order=10)
        )
        register(NavItem("gates", _("Gates"), "gates:overview", "door-open", group="gates", order=20))
        register(NavItem("gate_alerts", _("Gate alerts"), "gates:alerts", "bell", group="gates", order=25))
        register(NavItem("gate_vehicles", _("Vehicles"), "gates:vehicles", "car-front", group="gates", order=45))
        register(NavItem("gate_pass", _("My pass"), "gates:my_pass", "qr-code", group="gates", roles={Role.STUDENT, Role.STAFF}, order=30))
        register(
            NavItem(
                "gate_visits",
                _("Visitors"),
                "gates:visit_list",
                "person-badge",
                group="gates",
                roles={Role.STAFF, Role.PREVENTION_OFFICE},
                order=40,
            )
        )
        leave_users = {Role.STUDENT, Role.COUNSELOR, Role.COLLEGE_ADMIN}
        register(
            NavItem(
                "gate_leave", _("Leave applications"), "gates:leave_list", "box-arrow-right", group="students", roles=leave_users, order=60
            )
        )
        register_tiles(gate_tiles, order=20)
        register_demo("gates", 50, demo.load, demo.LOGINS)

        # Assignment roles (fangxian.org.registry): the gate guard's post.
        from .roles import register_roles

        register_roles()

        # Deadline kinds (fangxian.deadlines): leave returns.
        from .deadlines import register_kind

        register_kind()  # leave returns: overdue alerts run on fangxian.deadlines
        from .supervision import register_rules as register_supervision_rules

        register_supervision_rules()  # the supervision desk's daily derivation (fangxian.core.supervision)

        from . import personal

        personal.register()  # the app's personal fields (fangxian.core.personal)
