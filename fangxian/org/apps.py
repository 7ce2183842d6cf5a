from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "fangxian.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import register_role_provider
        from fangxian.core.demo import register_demo
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import demo
        from .models import Assignment, Place, Staff, Student, Unit
        from .scope import assignment_roles
        from .views.coverage import home_tiles

        register_role_provider(assignment_roles)
        register_demo("org", 20, demo.load, demo.LOGINS)
        for model in (Unit, Place, Assignment):
            auditlog.register(model)
        # Personal numbers are kept out of the change log's before/after text.
        auditlog.register(Student, mask_fields=["id_number", "phone"])
        auditlog.register(Staff, mask_fields=["id_number", "phone"])

        register(NavItem("org", _("Organisation"), "org:unit_tree", "diagram-3", group="org", order=10))
        register(NavItem("people", _("People"), "org:student_list", "people", group="org", order=20))
        register(NavItem("assignments", _("Responsibilities"), "org:assignment_list", "person-check", group="org", order=30))
        register(NavItem("coverage", _("Coverage gaps"), "org:coverage", "exclamation-diamond", group="org", order=40))
        register(NavItem("org_import", _("Import"), "org:import_index", "upload", group="org", order=50))
        register_tiles(home_tiles, order=40)

        # The organisation's responsibilities and coverage rules (fangxian.org.registry).
        from .coverage import register_org_rules
        from .roles import register_org_roles

        register_org_roles()
        register_org_rules()
        from .supervision import register_rules as register_supervision_rules

        register_supervision_rules()  # the supervision desk's daily derivation (fangxian.core.supervision)

        from . import personal

        personal.register()  # the app's personal fields (fangxian.core.personal)
        from .import_views import register_exports

        register_exports()  # the lists' unmasked export requests (fangxian.core.exports)
