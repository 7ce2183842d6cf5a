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

        from . import demo
        from .models import Assignment, Place, Staff, Student, Unit
        from .scope import assignment_roles

        register_role_provider(assignment_roles)
        register_demo("org", 20, demo.load, demo.LOGINS)
        for model in (Unit, Place, Assignment):
            auditlog.register(model)
        # Personal numbers are kept out of the change log's before/after text.
        auditlog.register(Student, mask_fields=["id_number", "phone"])
        auditlog.register(Staff, mask_fields=["id_number", "phone"])
