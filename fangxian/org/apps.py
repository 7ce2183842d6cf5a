from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "fangxian.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role, register_role_provider
        from fangxian.core.demo import register_demo
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import access, demo
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

        register(NavItem("org", _("Organisation"), "org:unit_tree", "diagram-3", roles=access.TREE_READERS, order=100))
        register(NavItem("people", _("People"), "org:student_list", "people", roles=access.PEOPLE_READERS, order=110))
        register(
            NavItem("assignments", _("Responsibilities"), "org:assignment_list", "person-check", roles=access.ASSIGNMENT_READERS, order=120)
        )
        register(NavItem("coverage", _("Coverage gaps"), "org:coverage", "exclamation-diamond", roles=access.COVERAGE_READERS, order=130))
        register(NavItem("org_import", _("Import"), "org:import_index", "upload", roles={Role.PREVENTION_OFFICE}, order=140))
        register_tiles(home_tiles)

        # The organisation's responsibilities and coverage rules (fangxian.org.registry).
        from .coverage import register_org_rules
        from .roles import register_org_roles

        register_org_roles()
        register_org_rules()
