"""Reads on the organisation, already scoped. Other apps use these, not the models'
managers, so that scope is applied the same way everywhere."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import Assignment, Place, Staff, Student, Unit
from .scope import scope_of


def visible_units(user):
    return scope_of(user).units(Unit.objects.all())


def visible_places(user):
    return scope_of(user).places(Place.objects.all())


def visible_students(user):
    return scope_of(user).students(Student.objects.all())


def visible_staff(user):
    return scope_of(user).staff(Staff.objects.all())


def visible_assignments(user):
    return scope_of(user).assignments(Assignment.objects.all())


def get_visible(queryset, **lookup):
    """The object if it is in the user's scope; 404 otherwise (never 403 with a hint)."""
    return get_object_or_404(queryset, **lookup)
