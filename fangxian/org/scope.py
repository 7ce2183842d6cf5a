"""Scope: what a user may see, derived from their system roles and active assignments.

This is the one place that answers "which units, places, students and staff can this
user see". Every page, search, export and API endpoint calls `visible_to(user)` on the
model's queryset (see selectors), which uses `scope_of(user)`. Out-of-scope objects are
therefore never found, and views answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from fangxian.accounts.roles import ADMIN_ROLES, WHOLE_INSTITUTION_ROLES, Role, roles_of

from .models import Assignment, AssignmentRole, Place, Staff, Student, Unit

# Roles that may read but never change anything (纪检监察 supervises, it does not edit).
READ_ONLY_ROLES = frozenset({Role.DISCIPLINE, Role.LEADER})


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    unit_paths: tuple[str, ...] = ()
    place_paths: tuple[str, ...] = ()
    student_ids: frozenset[int] = frozenset()
    staff_id: int | None = None
    student_self_id: int | None = None
    read_only: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.unit_paths or self.place_paths or self.student_ids or self.student_self_id)

    # -- querysets -------------------------------------------------------------
    def units(self, qs=None):
        qs = Unit.objects.all() if qs is None else qs
        return qs if self.everything else qs.under_any(self.unit_paths)

    def places(self, qs=None):
        qs = Place.objects.all() if qs is None else qs
        return qs if self.everything else qs.under_any(self.place_paths)

    def student_condition(self, prefix: str = "") -> Q | None:
        """A Q on Student (or on a model reaching Student by `prefix`), None for everything."""
        if self.everything:
            return None
        condition = Q(pk__in=[])
        if self.unit_paths:
            class_ids = Unit.objects.under_any(self.unit_paths).filter(kind=Unit.Kind.CLASS).values("pk")
            condition |= Q(**{f"{prefix}klass_id__in": class_ids})
        if self.place_paths:
            bed_ids = Place.objects.under_any(self.place_paths).filter(kind=Place.Kind.BED).values("pk")
            condition |= Q(**{f"{prefix}bed_id__in": bed_ids})
        ids = set(self.student_ids)
        if self.student_self_id:
            ids.add(self.student_self_id)
        if ids:
            condition |= Q(**{f"{prefix}pk__in": sorted(ids)})
        return condition

    def students(self, qs=None):
        qs = Student.objects.all() if qs is None else qs
        condition = self.student_condition()
        return qs if condition is None else qs.filter(condition)

    def staff(self, qs=None):
        qs = Staff.objects.all() if qs is None else qs
        if self.everything:
            return qs
        condition = Q(pk=self.staff_id) if self.staff_id else Q(pk__in=[])
        if self.unit_paths:
            condition |= Q(unit_id__in=Unit.objects.under_any(self.unit_paths).values("pk"))
        return qs.filter(condition)

    def assignments(self, qs=None):
        qs = Assignment.objects.all() if qs is None else qs
        if self.everything:
            return qs
        condition = Q(staff_id=self.staff_id) if self.staff_id else Q(pk__in=[])
        if self.unit_paths:
            condition |= Q(unit_id__in=Unit.objects.under_any(self.unit_paths).values("pk"))
        if self.place_paths:
            condition |= Q(place_id__in=Place.objects.under_any(self.place_paths).values("pk"))
        student_condition = self.student_condition("student__")
        if student_condition is not None:
            condition |= Q(student__isnull=False) & student_condition
        return qs.filter(condition)


EMPTY = Scope()


def _compute(user, day: date) -> Scope:
    roles = roles_of(user)
    if roles & set(ADMIN_ROLES):
        # 三权分立: the three admin accounts see no organisation data, even if a person with
        # assignments has been linked to one.
        return Scope(roles=roles, read_only=True)
    staff = Staff.objects.filter(user=user, is_active=True).only("pk").first()
    student = Student.objects.filter(user=user).only("pk").first()
    if roles & WHOLE_INSTITUTION_ROLES:
        read_only = not (roles & {Role.PREVENTION_OFFICE})
        return Scope(everything=True, staff_id=staff.pk if staff else None, read_only=read_only, roles=roles)
    unit_paths: set[str] = set()
    place_paths: set[str] = set()
    student_ids: set[int] = set()
    if staff is not None:
        rows = (
            Assignment.objects.active_on(day)
            .filter(staff=staff)
            .values_list("role", "unit__path", "place__path", "place__kind", "student_id")
        )
        guarded_campuses: set[str] = set()
        for role, unit_path, place_path, place_kind, student_id in rows:
            if unit_path:
                unit_paths.add(unit_path)
            if role == AssignmentRole.GATE_GUARD and place_kind == Place.Kind.CAMPUS:
                # A guard posted to a whole campus sees its gates, not the campus subtree:
                # that would include the dormitories and so every resident's record.
                guarded_campuses.add(place_path)
            elif place_path:
                place_paths.add(place_path)
            if student_id:
                student_ids.add(student_id)
        if guarded_campuses:
            gates = Place.objects.under_any(sorted(guarded_campuses)).filter(kind=Place.Kind.GATE).values_list("path", flat=True)
            place_paths.update(gates)
    return Scope(
        unit_paths=_outermost(unit_paths),
        place_paths=_outermost(place_paths),
        student_ids=frozenset(student_ids),
        staff_id=staff.pk if staff else None,
        student_self_id=student.pk if student else None,
        read_only=bool(roles & READ_ONLY_ROLES),
        roles=roles,
    )


def _outermost(paths: set[str]) -> tuple[str, ...]:
    """Drop paths inside another path of the set: their subtree is already included."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return tuple(sorted(kept))


def scope_of(user, day: date | None = None) -> Scope:
    """The scope of `user` on `day` (today by default), cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    day = day or timezone.localdate()
    cache = user.__dict__.setdefault("_fangxian_scope", {})
    if day not in cache:
        cache[day] = _compute(user, day)
    return cache[day]


def forget_scope(user) -> None:
    user.__dict__.pop("_fangxian_scope", None)


# Assignment roles → the application roles they give (for navigation and page guards).
ASSIGNMENT_APP_ROLES = {
    AssignmentRole.LEADER: Role.COLLEGE_ADMIN,
    AssignmentRole.COLLEGE_SECRETARY: Role.COLLEGE_ADMIN,
    AssignmentRole.COLLEGE_DEAN: Role.COLLEGE_ADMIN,
    AssignmentRole.COLLEGE_ADMIN: Role.COLLEGE_ADMIN,
    AssignmentRole.RESPONSIBLE: Role.COUNSELOR,
    AssignmentRole.COUNSELOR: Role.COUNSELOR,
    AssignmentRole.CLASS_TEACHER: Role.COUNSELOR,
    AssignmentRole.ONE_TO_ONE: Role.COUNSELOR,
    AssignmentRole.BUILDING_MANAGER: Role.STAFF,
    AssignmentRole.GATE_GUARD: Role.GATE_GUARD,
    AssignmentRole.LAB_SAFETY: Role.STAFF,
}


def assignment_roles(user) -> set[str]:
    """Role provider registered with accounts: roles from the person behind the account."""
    roles: set[str] = set()
    staff = Staff.objects.filter(user=user, is_active=True).only("pk").first()
    if staff is not None:
        roles.add(Role.STAFF)
        held = Assignment.objects.active().filter(staff=staff).values_list("role", flat=True).distinct()
        roles.update(ASSIGNMENT_APP_ROLES[role] for role in held)
    if Student.objects.filter(user=user).exists():
        roles.add(Role.STUDENT)
    return roles
