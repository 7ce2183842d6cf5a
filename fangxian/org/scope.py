"""Scope: what a user may see, derived from their system roles and active assignments.

This is the one place that answers "which units, places, students and staff can this
user see". Every page, search, export and API endpoint calls `visible_to(user)` on the
model's queryset (see selectors), which uses `scope_of(user)`. Out-of-scope objects are
therefore never found, and views answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from fangxian.accounts.roles import ADMIN_ROLES, WHOLE_INSTITUTION_ROLES, Role, roles_of

from .models import Assignment, Place, Staff, Student, Unit
from .registry import Held, ScopeGrant, app_roles_for, assignment_role

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


def _compute(user, day: date, at: datetime | None = None) -> Scope:
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
    grant = ScopeGrant()
    if staff is not None:
        active = Assignment.objects.active_at(at) if at is not None else Assignment.objects.active_on(day)
        rows = active.filter(staff=staff).values_list(
            "role", "unit_id", "unit__path", "unit__kind", "place_id", "place__path", "place__kind", "place__use", "student_id"
        )
        by_role: dict[str, list[Held]] = {}
        for row in rows:
            by_role.setdefault(row[0], []).append(Held(*row))
        for role, held in by_role.items():
            spec = assignment_role(role)
            # A role no app registers any more gives nothing.
            if spec is not None:
                grant.update(spec.grant(held))
    return Scope(
        unit_paths=_outermost(grant.unit_paths),
        place_paths=_outermost(grant.place_paths),
        student_ids=frozenset(grant.student_ids),
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


def scope_of(user, day: date | None = None, at: datetime | None = None) -> Scope:
    """The scope of `user` on `day` (today by default; every assignment in force at some
    moment of that day), or at the moment `at` (an aware datetime: time-bound assignments
    count only inside their window). Cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    if at is not None:
        key = ("at", at)
        day = timezone.localdate(at)
    else:
        day = day or timezone.localdate()
        key = day
    cache = user.__dict__.setdefault("_fangxian_scope", {})
    if key not in cache:
        cache[key] = _compute(user, day, at)
    return cache[key]


def forget_scope(user) -> None:
    user.__dict__.pop("_fangxian_scope", None)
    user.__dict__.pop("_fangxian_holds", None)  # org.access.holds


def assignment_roles(user) -> set[str]:
    """Role provider registered with accounts: roles from the person behind the account.
    Each active assignment gives the application role its registered spec names."""
    roles: set[str] = set()
    staff = Staff.objects.filter(user=user, is_active=True).only("pk").first()
    if staff is not None:
        roles.add(Role.STAFF)
        held = Assignment.objects.active().filter(staff=staff).values_list("role", flat=True).distinct()
        roles.update(app_roles_for(held))
    if Student.objects.filter(user=user).exists():
        roles.add(Role.STUDENT)
    return roles
