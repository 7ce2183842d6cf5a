"""Who may do what with incident reports (突发事件信息报告). Scope decides which incidents:
one outside it is "not found"."""

from __future__ import annotations

from fangxian.accounts.roles import Role, roles_of
from fangxian.org.access import can_write, has_any, holds

# The assignment roles of the duty roster (registered by the duty app): a person holding
# one of them right now is on duty.
ON_DUTY_ROLES = ("duty_leader", "duty_staff")
LEADER_ON_DUTY = "duty_leader"

# Pages that list and show incidents (each sees the incidents of their scope, and those they
# reported). Every member of staff with an account holds Role.STAFF.
READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.SECURITY_OFFICE, Role.STAFF})
# Who sees every incident and the overview by level (the dashboard tile).
OVERSEERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE})
# Roles that may report at all; a member of staff must also be on duty now (can_report).
REPORTER_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.STAFF})
# The office acknowledges incidents and sets the time limits.
OFFICE = frozenset({Role.PREVENTION_OFFICE})
# Roles that see the names of the people involved in full (the others see them masked,
# unless they reported the incident themselves).
PEOPLE_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR})


def on_duty(user) -> bool:
    return holds(user, *ON_DUTY_ROLES)


def can_report(user) -> bool:
    """The office, or a member of staff on duty right now (not read-only)."""
    if not can_write(user, REPORTER_ROLES):
        return False
    return Role.PREVENTION_OFFICE in roles_of(user) or on_duty(user)


def can_acknowledge(user, incident) -> bool:
    return not incident.is_acknowledged and not incident.is_closed and can_write(user, OFFICE)


def can_add_report(user, incident) -> bool:
    """Written, follow-up and closing reports: the office, the reporter, and whoever is on
    duty with the incident in scope."""
    if incident.is_closed or not can_write(user, REPORTER_ROLES):
        return False
    if Role.PREVENTION_OFFICE in roles_of(user) or (incident.reported_by_id and incident.reported_by_id == user.pk):
        return True
    return on_duty(user)


def sees_people(user, incident) -> bool:
    """Names of the people involved in full: roles that need them, and the reporter."""
    return has_any(user, PEOPLE_ROLES) or (incident.reported_by_id is not None and incident.reported_by_id == user.pk)
