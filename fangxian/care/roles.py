"""The responsibilities care brings to the organisation's role registry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.accounts.roles import Role
from fangxian.org.registry import AssignmentRoleSpec, Held, ScopeGrant, register_assignment_role

from . import access


def psych_scope(held: list[Held]) -> ScopeGrant:
    """The psychological centre sees the students in an active psychological care plan, not
    the whole unit it is posted to (which would be every student of the school)."""
    from .models import CareKind, CarePlan

    grant = ScopeGrant()
    grant.student_ids.update(CarePlan.objects.active().filter(kind=CareKind.PSYCH).values_list("student_id", flat=True))
    return grant


def no_people(held: list[Held]) -> ScopeGrant:
    """The logistics office sees canteens (care.access), not the people of its unit's subtree."""
    return ScopeGrant()


PSYCH_COUNSELLOR = AssignmentRoleSpec(
    access.PSYCH_COUNSELLOR,
    _("Psychological centre (心理中心)"),
    Role.STAFF,
    unit_kinds=("institution", "department"),
    scope=psych_scope,
    order=120,
    import_name="心理中心",
)
CANTEEN_MANAGER = AssignmentRoleSpec(
    access.CANTEEN_MANAGER,
    _("Canteen manager (食堂负责人)"),
    Role.STAFF,
    place_kinds=("building",),
    order=125,
    import_name="食堂负责人",
)
LOGISTICS = AssignmentRoleSpec(
    access.LOGISTICS,
    _("Logistics office (后勤保障)"),
    Role.STAFF,
    unit_kinds=("department",),
    scope=no_people,
    order=126,
    import_name="后勤保障",
)
FEVER_CLINIC = AssignmentRoleSpec(
    access.FEVER_CLINIC,
    _("Fever clinic (发热门诊)"),
    Role.STAFF,
    unit_kinds=("hospital",),
    order=127,
    import_name="发热门诊",
)


def register_roles() -> None:
    for spec in (PSYCH_COUNSELLOR, CANTEEN_MANAGER, LOGISTICS, FEVER_CLINIC):
        register_assignment_role(spec)
