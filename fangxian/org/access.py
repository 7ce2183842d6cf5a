"""The access layer: "may this user write here", and the organisation's own role sets.

Roles decide which pages a user may open (403 otherwise); scope decides which objects
they find there (404 otherwise). Writes additionally need a scope that is not read-only:
discipline inspection and school leaders read everything and change nothing.

`can_write` / `require_write` are the one write check of every app (pages, services and
the API's `fangxian.org.permissions.RolePermission`); each app keeps its role sets and
predicates in its own `access.py` and passes them in.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from fangxian.accounts.roles import Role, roles_of

from . import selectors
from .models import Assignment
from .registry import assignment_role_keys, assignment_roles
from .scope import scope_of

P = Role

# Pages that show the trees (scoped: a counselor sees their grade, a guard their gate).
TREE_READERS = frozenset({P.PREVENTION_OFFICE, P.LEADER, P.DISCIPLINE, P.COLLEGE_ADMIN, P.COUNSELOR, P.STAFF, P.GATE_GUARD})
# Student and staff lists; a student may open only their own record.
PEOPLE_READERS = frozenset({P.PREVENTION_OFFICE, P.LEADER, P.DISCIPLINE, P.COLLEGE_ADMIN, P.COUNSELOR, P.STAFF})
STUDENT_DETAIL_READERS = PEOPLE_READERS | {P.STUDENT}
ASSIGNMENT_READERS = frozenset({P.PREVENTION_OFFICE, P.LEADER, P.DISCIPLINE, P.COLLEGE_ADMIN, P.COUNSELOR})
COVERAGE_READERS = frozenset({P.PREVENTION_OFFICE, P.LEADER, P.DISCIPLINE, P.COLLEGE_ADMIN})

# Writers (always also subject to scope and to read_only).
TREE_WRITERS = frozenset({P.PREVENTION_OFFICE})
PEOPLE_WRITERS = frozenset({P.PREVENTION_OFFICE, P.COLLEGE_ADMIN})
ACCOUNT_LINKERS = frozenset({P.PREVENTION_OFFICE})
# Who may see a full ID number or phone number of someone in their scope.
REVEALERS = frozenset({P.PREVENTION_OFFICE, P.COLLEGE_ADMIN, P.COUNSELOR})
ASSIGNMENT_WRITERS = frozenset({P.PREVENTION_OFFICE, P.COLLEGE_ADMIN})


def has_any(user, roles) -> bool:
    """Holds one of `roles` (any iterable of role values)."""
    return bool(roles_of(user) & frozenset(roles))


def holds(user, *keys: str, at=None) -> bool:
    """Does the person behind this account hold one of these assignment roles (registry keys,
    e.g. "hazard_inspector", "psych_counsellor") at `at` (default now)? For a module's own
    responsibilities that grant no application role of their own; remembered per request."""
    if user is None or not user.is_authenticated or not keys:
        return False
    from django.utils import timezone

    moment = at or timezone.now()
    cache = user.__dict__.setdefault("_fangxian_holds", {})
    key = (frozenset(keys), at)
    if key not in cache:
        cache[key] = Assignment.objects.active_at(moment).filter(staff__user=user, staff__is_active=True, role__in=keys).exists()
    return cache[key]


def in_scope(user, obj) -> bool:
    """Is `obj` among what the user sees (its model's `objects.visible_to(user)`)?"""
    return type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()


def can_write(user, roles, obj=None) -> bool:
    """May this user write here: holds one of `roles` (None: any role), has a scope that
    allows changes (not read-only), and — when `obj` is given — `obj` is in their scope."""
    if user is None or not user.is_authenticated:
        return False
    if roles is not None and not has_any(user, roles):
        return False
    if scope_of(user).read_only:
        return False
    return obj is None or in_scope(user, obj)


def require_write(user, roles, obj=None) -> None:
    """`can_write`, or the refusal: 403 for a role or a read-only scope; 404 for an `obj`
    outside the user's scope (never 403 with a hint). DRF answers both the same way."""
    if not can_write(user, roles):
        raise PermissionDenied
    if obj is not None and not in_scope(user, obj):
        raise Http404


def assignable_roles(user) -> list[str]:
    """The assignment roles this user may create, end or hand over (within their scope)."""
    if not can_write(user, ASSIGNMENT_WRITERS):
        return []
    roles = roles_of(user)
    if Role.PREVENTION_OFFICE in roles:
        return assignment_role_keys()
    # Each role says who else may assign it (AssignmentRoleSpec.assigned_by).
    return [spec.key for spec in assignment_roles() if spec.assigned_by & roles]


def assignment_for_change(user, pk) -> Assignment:
    """An assignment the user may end or hand over: visible (404 otherwise), of a role they
    may assign, for a target inside their own scope (403 otherwise: an assignment can be
    visible because the user holds it, without its target being theirs to manage)."""
    assignment = get_object_or_404(selectors.visible_assignments(user).select_related("staff", "unit", "place", "student"), pk=pk)
    if assignment.role not in assignable_roles(user):
        raise PermissionDenied
    if not in_scope(user, assignment.unit or assignment.place or assignment.student):
        raise PermissionDenied
    return assignment
