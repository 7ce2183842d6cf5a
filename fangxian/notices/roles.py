"""The publicity department's responsibility (宣传部), held on the institution or on the
department itself. It gives the staff role; the notices app asks `holds(user, "publicity_officer")`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.accounts.roles import Role
from fangxian.org.registry import AssignmentRoleSpec, register_assignment_role

from .access import PUBLICITY_OFFICER

PUBLICITY = AssignmentRoleSpec(
    PUBLICITY_OFFICER,
    _("Publicity department (宣传部)"),
    Role.STAFF,
    unit_kinds=("institution", "department"),
    order=120,
    import_name="宣传部",
)


def register_roles() -> None:
    register_assignment_role(PUBLICITY)
