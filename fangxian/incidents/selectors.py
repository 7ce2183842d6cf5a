"""Reads for incident reports, scoped to the user (`Incident.objects.visible_to`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.utils import timezone

from fangxian.core.idnumber import mask_phone
from fangxian.deadlines.models import Deadline
from fangxian.deadlines.selectors import duration_text

from . import access
from .deadlines import KINDS
from .models import Incident, Level, TimeLimit


def visible(user):
    return Incident.objects.visible_to(user).select_related("unit", "place")


def incident_list(user, *, status: str = "open", level: str = "", kind: str = ""):
    rows = visible(user)
    if status == "open":
        rows = rows.open()
    elif status == "closed":
        rows = rows.filter(status=Incident.Status.CLOSED)
    if level in Level.values:
        rows = rows.filter(level=level)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-occurred_at", "-pk")


@dataclass
class NextClock:
    label: str
    due_at: datetime
    overdue: bool
    remaining: str


def next_clocks(incidents) -> dict[int, NextClock]:
    """The nearest open clock of each incident (one query)."""
    from .deadlines import KIND_FIRST_REPORT, KIND_FOLLOWUP, KIND_WRITTEN

    labels = {k.key: str(k.label) for k in (KIND_FIRST_REPORT, KIND_WRITTEN, KIND_FOLLOWUP)}
    ids = [i.pk for i in incidents]
    if not ids:
        return {}
    now = timezone.now()
    rows = (
        Deadline.objects.open()
        .filter(content_type=ContentType.objects.get_for_model(Incident), object_id__in=ids, kind__in=KINDS)
        .order_by("due_at", "pk")
        .values_list("object_id", "kind", "due_at")
    )
    found: dict[int, NextClock] = {}
    for object_id, kind, due_at in rows:
        if object_id not in found:
            found[object_id] = NextClock(labels[kind], due_at, due_at < now, duration_text(abs(due_at - now)))
    return found


@dataclass
class LevelCount:
    level: str
    label: str
    count: int


def open_by_level(user) -> list[LevelCount]:
    counts = Counter(visible(user).open().values_list("level", flat=True))
    return [LevelCount(level, str(label), counts.get(level, 0)) for level, label in Level.choices]


def to_acknowledge(user):
    return visible(user).filter(status=Incident.Status.REPORTED).order_by("reported_at", "pk")


def my_open_reports(user):
    """Open incidents this user reported (their written and follow-up reports are theirs)."""
    return Incident.objects.filter(reported_by=user).open().order_by("-occurred_at", "-pk")


def overdue_clocks(incidents, now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = list(incidents.values_list("pk", flat=True)[:1000])
    return (
        Deadline.objects.open()
        .filter(content_type=ContentType.objects.get_for_model(Incident), object_id__in=ids, kind__in=KINDS, due_at__lt=now)
        .values("object_id")
        .distinct()
        .count()
    )


# -- people involved, as the viewer may see them ----------------------------------------------


def _mask_name(name: str) -> str:
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


@dataclass
class PersonShown:
    kind: str  # "student", "staff", "other"
    name: str
    number: str
    unit: str


def people_of(incident: Incident, user) -> list[PersonShown]:
    """The people involved, in full for the roles that need them and the reporter; masked
    (姓*, number hidden) for everyone else who may open the incident."""
    full = access.sees_people(user, incident)
    shown = []
    for student in incident.students.select_related("klass").order_by("student_number", "pk"):
        shown.append(
            PersonShown(
                "student",
                student.name if full else _mask_name(student.name),
                student.student_number if full else "",
                student.klass.name if student.klass_id else "",
            )
        )
    for member in incident.staff.select_related("unit").order_by("staff_number", "pk"):
        shown.append(
            PersonShown("staff", member.name if full else _mask_name(member.name), member.staff_number if full else "", member.unit.name)
        )
    for line in (incident.others or "").splitlines():
        if line.strip():
            shown.append(PersonShown("other", line.strip() if full else _mask_name(line.strip()), "", ""))
    return shown


def reporter_phone(incident: Incident, user) -> str:
    if not incident.reporter_phone:
        return ""
    return incident.reporter_phone if access.sees_people(user, incident) else mask_phone(incident.reporter_phone)


# -- supervision ------------------------------------------------------------------------------


@dataclass
class LateUnit:
    unit_id: int
    unit_name: str
    late: int
    titles: list[str]


def late_reports(since: date, until: date) -> list[LateUnit]:
    """Per reporting unit: incidents of these days whose first report came after the level's
    limit, or whose written or follow-up report is overdue (the whole institution: the
    supervision job reads it for discipline inspection)."""
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), datetime.min.time()))
    limits = {row.level: row for row in TimeLimit.all_levels()}
    incidents = list(
        Incident.objects.filter(occurred_at__gte=start, occurred_at__lt=end, unit__isnull=False).select_related("unit").order_by("pk")
    )
    overdue = set(
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Incident),
            object_id__in=[i.pk for i in incidents],
            kind__in=KINDS[1:],
        )
        .filter(Q(done_at__isnull=True, cancelled_at__isnull=True, due_at__lt=timezone.now()) | Q(done_at__gt=F("due_at")))
        .values_list("object_id", flat=True)
    )
    by_unit: dict[int, LateUnit] = {}
    for incident in incidents:
        first_late = incident.reported_at > incident.occurred_at + timedelta(minutes=limits[incident.level].first_minutes)
        if not (first_late or incident.pk in overdue):
            continue
        row = by_unit.setdefault(incident.unit_id, LateUnit(incident.unit_id, incident.unit.name, 0, []))
        row.late += 1
        row.titles.append(incident.title)
    return sorted(by_unit.values(), key=lambda r: (-r.late, r.unit_name, r.unit_id))
