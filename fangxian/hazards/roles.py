"""The responsibilities of hazard inspections (安全隐患排查), registered with the org registry.

- `hazard_inspector` (安全检查员): held on a campus (its labs, plus every place a campaign
  names them for), on a building (the building) or on a lab;
- `lab_safety` (实验室安全责任人): org shipped it on labs "until the hazards app takes it
  over"; hazards registers it again, also on a building (its labs), under the same key so
  that existing assignments stay valid;
- `hazard_office` (隐患排查管理员): staff of the lab-safety and logistics offices who keep the
  checklists and run campaigns with the prevention office, held on their department.
The security office (安稳部) keeps checklists through its application role
(Role.SECURITY_OFFICE, from the `security_office` assignment that gates registers).
Dormitory buildings keep org's `building_manager` (楼长) as the person responsible.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.accounts.roles import Role
from fangxian.org.models import AssignmentRole, Place
from fangxian.org.registry import AssignmentRoleSpec, Held, ScopeGrant, places_within, register_assignment_role

HAZARD_INSPECTOR = "hazard_inspector"
LAB_SAFETY = AssignmentRole.LAB_SAFETY  # "lab_safety": 实验室安全责任人
HAZARD_OFFICE = "hazard_office"
BUILDING_MANAGER = AssignmentRole.BUILDING_MANAGER


def no_org_scope(held: list[Held]) -> ScopeGrant:
    """The officer sees no students or staff through the assignment: what they need (every
    campaign, place and finding of hazard inspections) the hazards app shows them itself."""
    return ScopeGrant()


INSPECTOR_SPEC = AssignmentRoleSpec(
    HAZARD_INSPECTOR,
    _("Hazard inspector"),
    Role.STAFF,
    place_kinds=(Place.Kind.CAMPUS, Place.Kind.BUILDING, Place.Kind.ROOM),
    # Posted to a campus: its labs (and the places campaigns name them for), not the
    # dormitories and their residents.
    scope=places_within(kinds=(Place.Kind.ROOM,), uses=(Place.Use.LAB,)),
    order=120,
    import_name="安全检查员",
)

LAB_SAFETY_SPEC = AssignmentRoleSpec(
    LAB_SAFETY,
    _("Lab safety owner"),
    Role.STAFF,
    place_kinds=(Place.Kind.ROOM, Place.Kind.BUILDING),
    # A lab, or the teaching or lab building that holds labs; never a dormitory room.
    place_uses=(Place.Use.LAB, Place.Use.TEACHING),
    # Held on a lab: the lab; held on a building: the building's labs only.
    scope=places_within(kinds=(Place.Kind.ROOM,), uses=(Place.Use.LAB,), held_on=(Place.Kind.BUILDING,)),
    order=110,
    import_name="实验室安全责任人",
)

OFFICE_SPEC = AssignmentRoleSpec(
    HAZARD_OFFICE,
    _("Hazard inspection officer"),
    Role.STAFF,
    unit_kinds=("department",),
    scope=no_org_scope,
    order=125,
    import_name="隐患排查管理员",
)


def register_roles() -> None:
    for spec in (INSPECTOR_SPEC, LAB_SAFETY_SPEC, OFFICE_SPEC):
        register_assignment_role(spec)
