"""Reads of the privacy app."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fangxian.org.models import Staff, Student

from .models import AccessRecord, EmergencyEnd, ExportRecord, PurgeRun

PEOPLE_LIMIT = 20


def find_people(q: str) -> list[tuple[str, Student | Staff]]:
    """Students and staff whose name contains `q` or whose number is `q` (the auditor's
    search: the whole institution, names and numbers only), sorted by name and number."""
    q = q.strip()
    if not q:
        return []
    students = Student.objects.filter(Q(name__contains=q) | Q(student_number=q)).select_related("klass").order_by("name", "student_number")
    staff = Staff.objects.filter(Q(name__contains=q) | Q(staff_number=q)).select_related("unit").order_by("name", "staff_number")
    return [("student", s) for s in students[:PEOPLE_LIMIT]] + [("staff", s) for s in staff[:PEOPLE_LIMIT]]


def person(kind: str, pk: int) -> Student | Staff | None:
    model = {"student": Student, "staff": Staff}.get(kind)
    return model.objects.filter(pk=pk).first() if model else None


def access_records(user, kind: str, pk: int) -> QuerySet[AccessRecord]:
    return AccessRecord.objects.visible_to(user).filter(person_kind=kind, person_id=pk).order_by("-at", "-id")


def emergency_ends(user) -> QuerySet[EmergencyEnd]:
    return EmergencyEnd.objects.visible_to(user).select_related("requested_by", "decided_by").order_by("-requested_at", "-id")


def purge_runs(user) -> QuerySet[PurgeRun]:
    return PurgeRun.objects.visible_to(user).order_by("-started_at", "-id")


def exports_holding(user, kind: str, pk: int) -> QuerySet[ExportRecord]:
    """The exported files that held this person (their export records, newest first)."""
    events = AccessRecord.objects.visible_to(user).filter(person_kind=kind, person_id=pk, kind="export").values("event_id")
    return ExportRecord.objects.visible_to(user).filter(event_id__in=events).select_related("grant").order_by("-at", "-id")
