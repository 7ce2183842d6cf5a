"""The organisation's own responsibilities, registered with the assignment-role registry.

Other apps register theirs from their own apps.py (gates: the gate guard's post).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.accounts.roles import Role

from .models import AssignmentRole as R
from .registry import AssignmentRoleSpec, register_assignment_role

TOP_UNITS = ("college", "hospital", "department")
# What a college admin may assign within their college; the prevention office assigns everything.
COLLEGE = frozenset({Role.COLLEGE_ADMIN})

ORG_ROLES = (
    AssignmentRoleSpec(
        R.LEADER,
        _("Responsible leader (包抓领导)"),
        Role.COLLEGE_ADMIN,
        unit_kinds=("institution", *TOP_UNITS),
        place_kinds=("campus",),
        order=10,
        import_name="包抓领导",
    ),
    AssignmentRoleSpec(
        R.COLLEGE_SECRETARY, _("College party secretary"), Role.COLLEGE_ADMIN, unit_kinds=TOP_UNITS, order=20, import_name="党委书记"
    ),
    AssignmentRoleSpec(R.COLLEGE_DEAN, _("Dean"), Role.COLLEGE_ADMIN, unit_kinds=TOP_UNITS, order=30, import_name="院长"),
    AssignmentRoleSpec(
        R.COLLEGE_ADMIN, _("College prevention officer"), Role.COLLEGE_ADMIN, unit_kinds=TOP_UNITS, order=40, import_name="防控专员"
    ),
    AssignmentRoleSpec(
        R.RESPONSIBLE,
        _("Person responsible"),
        Role.COUNSELOR,
        unit_kinds=("major", "grade"),
        order=50,
        import_name="负责人",
        assigned_by=COLLEGE,
    ),
    AssignmentRoleSpec(
        R.COUNSELOR,
        _("Counselor (辅导员)"),
        Role.COUNSELOR,
        unit_kinds=("major", "grade", "class"),
        order=60,
        import_name="辅导员",
        assigned_by=COLLEGE,
    ),
    AssignmentRoleSpec(
        R.CLASS_TEACHER,
        _("Class teacher (班主任)"),
        Role.COUNSELOR,
        unit_kinds=("class",),
        order=70,
        import_name="班主任",
        assigned_by=COLLEGE,
    ),
    AssignmentRoleSpec(
        R.BUILDING_MANAGER, _("Building manager"), Role.STAFF, place_kinds=("building",), order=80, import_name="楼栋管理员"
    ),
    AssignmentRoleSpec(
        R.ONE_TO_ONE,
        _("One-to-one staff (一对一)"),
        Role.COUNSELOR,
        student=True,
        order=90,
        import_name="一对一责任人",
        assigned_by=COLLEGE,
    ),
    # 宿舍长: a dormitory room's owner ("每一个宿舍"). Held by a member of staff for now:
    # assignments are held by staff, and a student room head needs a holder of another kind.
    AssignmentRoleSpec(
        R.ROOM_HEAD, _("Room head (宿舍长)"), Role.STAFF, place_kinds=("room",), place_uses=("dorm",), order=85, import_name="宿舍长"
    ),
    # Kept here until the hazards app takes it over.
    AssignmentRoleSpec(
        R.LAB_SAFETY,
        _("Lab safety owner"),
        Role.STAFF,
        place_kinds=("room",),
        place_uses=("lab",),
        order=110,
        import_name="实验室安全责任人",
    ),
)


def register_org_roles() -> None:
    for spec in ORG_ROLES:
        register_assignment_role(spec)
