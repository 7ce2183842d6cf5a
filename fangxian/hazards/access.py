"""Who may do what in hazard inspections. Pages use the role sets; the predicates add what
an assignment decides (the inspector of a place, the owner of a finding, a keeper)."""

from __future__ import annotations

from fangxian.accounts.roles import WHOLE_INSTITUTION_ROLES, Role, roles_of
from fangxian.org.access import can_write, holds
from fangxian.org.scope import scope_of

from .roles import HAZARD_INSPECTOR, HAZARD_OFFICE, LAB_SAFETY

# Pages: every member of staff (scoped: an inspector sees their places, an owner their
# findings), the college admins (their unit's findings), and the whole-institution readers.
READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.SECURITY_OFFICE, Role.COLLEGE_ADMIN, Role.STAFF})
# Keepers of checklists and campaigns: the office and the security office by role; the
# lab-safety and logistics offices by the `hazard_office` assignment (see is_keeper).
KEEPER_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.SECURITY_OFFICE})
# Writers of inspections and rectifications: staff (the assignment decides which rows).
WRITERS = frozenset({Role.PREVENTION_OFFICE, Role.SECURITY_OFFICE, Role.COLLEGE_ADMIN, Role.STAFF})
# Reports of a whole campaign (xlsx, docx 通报) and the stale-labs list.
REPORT_READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.SECURITY_OFFICE, Role.COLLEGE_ADMIN, Role.STAFF})


def is_keeper(user) -> bool:
    """Keeps the checklists and runs campaigns: the office, the security office, or a
    hazard officer (lab-safety / logistics office) by assignment; never a read-only scope."""
    if user is None or not user.is_authenticated:
        return False
    if scope_of(user).read_only:
        return False
    return bool(roles_of(user) & KEEPER_ROLES) or holds(user, HAZARD_OFFICE)


def sees_everything(user) -> bool:
    """Reads every campaign, place and finding: the whole-institution roles and the keepers."""
    roles = roles_of(user)
    if roles & WHOLE_INSTITUTION_ROLES:
        return True
    return bool(roles & KEEPER_ROLES) or holds(user, HAZARD_OFFICE)


def staff_id(user) -> int | None:
    return scope_of(user).staff_id


def can_inspect(user, campaign_place) -> bool:
    """The named inspector, a keeper, or a hazard inspector / lab safety owner whose org
    scope holds the place; never a read-only scope."""
    if not can_write(user, WRITERS):
        return False
    if is_keeper(user):
        return True
    sid = staff_id(user)
    if sid is not None and campaign_place.inspector_id == sid:
        return True
    if holds(user, HAZARD_INSPECTOR, LAB_SAFETY):
        return scope_of(user).places().filter(pk=campaign_place.place_id).exists()
    return False


def can_rectify(user, finding) -> bool:
    """The owner (or a keeper) reports what was done."""
    if not can_write(user, WRITERS):
        return False
    sid = staff_id(user)
    return is_keeper(user) or (sid is not None and finding.owner_id == sid)


def can_verify(user, finding) -> bool:
    """The inspector who found it (or a keeper) closes or returns it."""
    if not can_write(user, WRITERS):
        return False
    sid = staff_id(user)
    return is_keeper(user) or (sid is not None and finding.inspection.inspector_id == sid)


def can_manage_finding(user, finding) -> bool:
    """Change owner, deadline, level: the inspector or a keeper."""
    return can_verify(user, finding)
