"""`Model.objects.visible_to(user)` for the models of feature apps.

Scope (fangxian.org.scope) is applied as a queryset method, so that lists, searches,
exports, the API and dashboards cannot disagree. A feature model mixes one of these into
its QuerySet and names the field that carries the scope:

    class LeaveQuerySet(ByStudent, models.QuerySet):
        visible_student_field = "student"

    objects = LeaveQuerySet.as_manager()
    LeaveApplication.objects.visible_to(request.user)  # what the user may see

An object outside `visible_to(user)` is "not found" (404), never 403.
"""

from __future__ import annotations

from django.db.models import Q

from .scope import scope_of


class ByStudent:
    """Rows that belong to a student: visible with the student (their class, bed, or a
    one-to-one assignment; a student sees their own)."""

    visible_student_field = "student"

    def visible_to(self, user):
        condition = scope_of(user).student_condition(f"{self.visible_student_field}__")
        return self if condition is None else self.filter(condition)


class ByUnit:
    """Rows that belong to a unit of the administrative tree (a report of a college)."""

    visible_unit_field = "unit"

    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        from .models import Unit

        return self.filter(**{f"{self.visible_unit_field}__in": scope.units(Unit.objects.all()).values("pk")})


class ByCampus:
    """Rows of a campus (gate traffic): visible on the campuses the user sees
    (fangxian.org.selectors.visible_campuses). `visible_staff_field`, when set, also shows
    a row to the member of staff it names (the host of a visit, the recipient of an alert);
    `visible_without_campus` shows rows that belong to no campus (a vehicle of every campus)."""

    visible_campus_field = "campus"
    visible_staff_field: str | None = None
    visible_without_campus = False

    def visible_to(self, user):
        from .selectors import visible_campuses

        condition = Q(**{f"{self.visible_campus_field}__in": visible_campuses(user).values("pk")})
        if self.visible_without_campus:
            condition |= Q(**{f"{self.visible_campus_field}__isnull": True})
        staff_id = scope_of(user).staff_id
        if self.visible_staff_field and staff_id:
            condition |= Q(**{f"{self.visible_staff_field}_id": staff_id})
        return self.filter(condition)


class WholeInstitution:
    """Rows only whole-institution scopes see (the office's plans)."""

    def visible_to(self, user):
        return self if scope_of(user).everything else self.none()
