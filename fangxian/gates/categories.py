"""Which categories of the access policy a person falls in on a day.

Categories come from several apps: the organisation knows students, staff and hospital
staff; the ledger knows who is in the ledger and who is under closed management. Each
app registers a resolver `fn(person, day) -> set[str]`; a person's categories are the
union, and the most specific one (see models.CATEGORY_PRIORITY) decides at the gate.

This module is public for other feature apps (with `Category`, the values a resolver
returns); they import nothing else of the gates but `selectors` (.importlinter).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fangxian.org.models import Staff, Student, Unit

from .models import CATEGORY_PRIORITY, Category

CategoryResolver = Callable[[object, date], set[str]]
_resolvers: list[CategoryResolver] = []


def register_category_resolver(resolver: CategoryResolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def unregister_category_resolver(resolver: CategoryResolver) -> None:
    if resolver in _resolvers:
        _resolvers.remove(resolver)


def categories_of(person, day: date) -> set[str]:
    found: set[str] = set()
    for resolver in _resolvers:
        found.update(resolver(person, day) or ())
    return found


def primary_category(categories) -> str | None:
    for category in CATEGORY_PRIORITY:
        if category in categories:
            return category
    return None


def org_categories(person, day: date) -> set[str]:
    """Built in: enrolled students are students; staff are staff, or hospital staff when
    their unit is the affiliated hospital."""
    if isinstance(person, Student):
        return {Category.STUDENT} if person.status == Student.Status.ENROLLED else set()
    if isinstance(person, Staff):
        if not person.is_active:
            return set()
        unit_kind = person.unit.kind if person.unit_id else None
        return {Category.HOSPITAL_STAFF} if unit_kind == Unit.Kind.HOSPITAL else {Category.STAFF}
    return set()
