"""Who may do what on the supervision desk.

Discipline inspection's scope is read-only everywhere (fangxian.org.access.can_write refuses
it): its writes live only here, checked by `can_supervise` (role and visibility, not the
scope's `read_only`). Units answer through the one write check (`can_write`) or because
they are named on the 督办 as its responsible people.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from fangxian.accounts.roles import Role, roles_of
from fangxian.org.access import can_write, in_scope
from fangxian.org.scope import scope_of

from .models import ACCOUNTABILITY_ROLES

# Discipline inspection and the office review proposals, send 督办 and decide on answers.
INSPECTORS = frozenset({Role.DISCIPLINE, Role.PREVENTION_OFFICE})
# Who opens the supervision pages: inspectors, leaders (read), the units (their own 督办).
READERS = frozenset({Role.DISCIPLINE, Role.PREVENTION_OFFICE, Role.LEADER, Role.COLLEGE_ADMIN})
# Who reads the proposals (the leads) and the standing of every unit.
OVERSEERS = frozenset({Role.DISCIPLINE, Role.PREVENTION_OFFICE, Role.LEADER})
# The units' side: who answers a 督办 for a unit in their scope.
ANSWERERS = frozenset({Role.COLLEGE_ADMIN})
# Accountability (问责): confidential to discipline inspection and school leaders; only
# discipline inspection records it.
ACCOUNTABILITY_READERS = ACCOUNTABILITY_ROLES
ACCOUNTABILITY_WRITERS = frozenset({Role.DISCIPLINE})


def can_supervise(user, obj=None, roles=INSPECTORS) -> bool:
    """Holds an inspector's role and `obj` (a unit, a lead, a 督办) is in their scope. Deliberately
    ignores the scope's read-only flag: discipline inspection's writes are these."""
    if user is None or not user.is_authenticated:
        return False
    if not roles_of(user) & roles:
        return False
    if scope_of(user).is_empty:
        return False
    return obj is None or in_scope(user, obj)


def require_supervise(user, obj=None, roles=INSPECTORS) -> None:
    """`can_supervise` or the refusal: 403 for the role, 404 for an object outside the scope."""
    if not can_supervise(user, None, roles):
        raise PermissionDenied
    if obj is not None and not in_scope(user, obj):
        raise Http404


def can_record_accountability(user) -> bool:
    return can_supervise(user, None, ACCOUNTABILITY_WRITERS)


def can_answer(user, case) -> bool:
    """The unit's side: a college admin whose (writable) scope holds the unit, or a person
    named on the 督办 as responsible."""
    if case.is_closed:
        return False
    if can_write(user, ANSWERERS, case):
        return True
    staff_id = scope_of(user).staff_id
    return bool(staff_id) and case.responsible.filter(pk=staff_id).exists()
