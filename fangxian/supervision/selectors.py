"""Reads of the supervision desk, scoped to the user (`visible_to`), and the standing of each
unit over a period: 督办 opened, answered on time, overdue, closed, and its light."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from fangxian.accounts.roles import roles_of
from fangxian.org.models import Unit
from fangxian.org.scope import scope_of

from . import access
from .models import Accountability, Answer, Case, Finding

# The units a 督办 is sent to: the first level below the institution.
TOP_KINDS = (Unit.Kind.COLLEGE, Unit.Kind.DEPARTMENT, Unit.Kind.HOSPITAL)
OPEN_STATUSES = (Case.Status.OPEN, Case.Status.RETURNED, Case.Status.ESCALATED)
PERIOD_DAYS = 30


def visible_findings(user):
    if not roles_of(user) & access.OVERSEERS:
        return Finding.objects.none()
    return Finding.objects.visible_to(user).select_related("unit")


def open_findings(user):
    return visible_findings(user).filter(status=Finding.Status.PROPOSED).order_by("-first_seen", "rule", "unit__path", "key")


def visible_cases(user):
    return Case.objects.visible_to(user).select_related("unit", "created_by")


def visible_answers(user):
    return Answer.objects.visible_to(user)


def visible_accountability(user):
    return Accountability.objects.visible_to(user).select_related("unit", "person")


def cases_to_answer(user):
    """The 督办 waiting for this user's unit to answer (college admins and people named on them)."""
    roles = roles_of(user)
    qs = visible_cases(user).filter(status__in=OPEN_STATUSES)
    if roles & access.ANSWERERS and not scope_of(user).read_only:
        return qs
    staff_id = scope_of(user).staff_id
    if not staff_id:
        return qs.none()
    return qs.filter(responsible=staff_id)


def cases_to_review(user):
    """Answers waiting for the inspector's decision."""
    if not access.can_supervise(user):
        return Case.objects.none()
    return visible_cases(user).filter(status=Case.Status.ANSWERED)


def target_units(user):
    """The units a 督办 may be sent to, in the user's scope, in tree order."""
    return Unit.objects.visible_to(user).active().filter(kind__in=TOP_KINDS).order_by("path")


@dataclass
class Standing:
    unit: Unit
    opened: int = 0
    answered_on_time: int = 0
    overdue: int = 0
    closed: int = 0
    open_now: int = 0
    escalated: int = 0
    overdue_now: int = 0

    @property
    def light(self) -> str:
        """red: a 督办 overdue now or escalated; yellow: one still open, or answered late; green otherwise."""
        if self.escalated or self.overdue_now:
            return "red"
        if self.open_now or self.overdue:
            return "yellow"
        return "green"

    @property
    def tone(self) -> str:
        return {"red": "danger", "yellow": "warning", "green": "success"}[self.light]


def period(start: date | None, end: date | None) -> tuple[date, date]:
    end = end or timezone.localdate()
    start = start or end - timedelta(days=PERIOD_DAYS - 1)
    if start > end:
        start, end = end, start
    return start, end


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


def standing(user, start: date | None = None, end: date | None = None, *, now: datetime | None = None) -> list[Standing]:
    """One row per unit in scope that receives 督办 (and any other unit that received one in
    the period), in tree order. Two queries."""
    now = now or timezone.now()
    start, end = period(start, end)
    lo, hi = _bounds(start, end)
    cases = list(
        Case.objects.visible_to(user)
        .filter(Q(created_at__gte=lo, created_at__lt=hi) | Q(status__in=OPEN_STATUSES, created_at__lt=hi))
        .select_related("unit")
        .only("unit", "created_at", "due_at", "first_answered_at", "status", "escalated_at", "closed_at")
    )
    rows: dict[int, Standing] = {u.pk: Standing(u) for u in target_units(user)}
    for case in cases:
        row = rows.setdefault(case.unit_id, Standing(case.unit))
        in_period = lo <= case.created_at < hi
        if in_period:
            row.opened += 1
            if case.answered_on_time:
                row.answered_on_time += 1
            if (case.first_answered_at and case.first_answered_at > case.due_at) or case.is_overdue(now):
                row.overdue += 1
            if case.status == Case.Status.CLOSED:
                row.closed += 1
        if case.status in OPEN_STATUSES or case.status == Case.Status.ANSWERED:
            row.open_now += 1
        if case.is_overdue(now):
            row.overdue_now += 1
        if case.status == Case.Status.ESCALATED:
            row.escalated += 1
    return sorted(rows.values(), key=lambda r: (r.unit.path, r.unit.pk))


def lights(rows: list[Standing]) -> dict[str, int]:
    counts = {"red": 0, "yellow": 0, "green": 0}
    for row in rows:
        counts[row.light] += 1
    return counts
