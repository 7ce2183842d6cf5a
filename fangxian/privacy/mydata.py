"""The person's own view (PIPL art. 45): every registered row that is about them, found
through the inventory (each model's `owner`, or its foreign key to the person)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fangxian.accounts.roles import Role
from fangxian.core.personal import PersonalModel, personal_models
from fangxian.org.chain import chain
from fangxian.org.models import Staff, Student

from .inventory import model_of

ROW_LIMIT = 5000  # per table in a download (a year of gate scans of one person is far less)
# The people a student turns to about their data: nearest first.
RESPONSIBLE_ROLES = ("one_to_one", "class_teacher", "counselor", "college_admin")
OWNER_NAMES = ("student", "staff", "user", "person")


def own_person(user) -> Student | Staff | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        Student.objects.filter(user=user).select_related("klass").first() or Staff.objects.filter(user=user).select_related("unit").first()
    )


def owner_q(entry: PersonalModel, model, person) -> Q | None:
    """The rows of `model` about `person`, or None when the model holds nothing about them."""
    user_model = get_user_model()
    if model is type(person):
        return Q(pk=person.pk)
    if model is user_model:
        return Q(pk=person.user_id) if person.user_id else None
    owner = entry.extra.get("owner")
    if callable(owner):
        return owner(person)
    # Default: the model's link named for the person it is about (not a clerk's `created_by`).
    paths = [owner] if isinstance(owner, str) else [f.name for f in model._meta.concrete_fields if f.is_relation and f.name in OWNER_NAMES]
    for path in paths:
        target = model._meta.get_field(path.split("__")[0]).related_model
        if target is type(person):
            return Q(**{path: person.pk})
        if target is user_model and person.user_id:
            return Q(**{path: person.user_id})
    return None


@dataclass
class Section:
    label: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    total: int = 0


def _text(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.fields.files.FieldFile):
        return value.name and "✓"
    return str(value)


def sections(person, *, limit: int = ROW_LIMIT) -> list[Section]:
    found = []
    for entry in personal_models():
        model = model_of(entry)
        if model is None or not entry.fields:
            continue
        condition = owner_q(entry, model, person)
        if condition is None:
            continue
        names = [f.name for f in entry.fields]
        if entry.dated_by and entry.dated_by not in names and "__" not in entry.dated_by:
            names.insert(0, entry.dated_by)
        qs = model._base_manager.filter(condition)
        total = qs.count()
        if not total:
            continue
        order = [f"-{entry.dated_by}", "-pk"] if entry.dated_by else ["pk"]
        columns = [str(model._meta.get_field(n).verbose_name) for n in names]
        rows = [[_text(getattr(obj, n)) for n in names] for obj in qs.order_by(*order).only("pk", *names)[:limit]]
        found.append(Section(entry.label, str(model._meta.verbose_name), columns, rows, total))
    return sorted(found, key=lambda s: (s.label not in ("org.student", "org.staff", "accounts.user"), s.title, s.label))


def responsible(person) -> list[tuple[str, str]]:
    """(role, name) of the people responsible for the person at the school, and the
    security administrators who answer for personal information."""
    from fangxian.org.registry import role_label

    people = []
    if isinstance(person, Student):
        people = [(str(role_label(link.role)), link.staff.name) for link in chain(person, roles=RESPONSIBLE_ROLES)]
    elif person.unit_id:
        people = [(str(role_label(link.role)), link.staff.name) for link in chain(person.unit, roles=("college_admin",))]
    admins = get_user_model().objects.filter(role_grants__role=Role.SECURITY_ADMIN, is_active=True).order_by("full_name", "username")
    people += [(str(Role.SECURITY_ADMIN.label), a.full_name or a.username) for a in admins[:5]]
    return people
