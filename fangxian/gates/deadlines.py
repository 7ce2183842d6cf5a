"""Leave returns on the deadline engine (fangxian.deadlines): an approved leave is due back
at its end. A student not back by then is reported to their responsible staff (one-to-one
staff, else the counselors and class teachers of their class or above), as a gate alert
of kind "overdue" and a notification linking to the leave list, once per leave however
many job consumers run; nothing is sent once the student is back or the leave cancelled.

The engine's tick plans the deadlines (`plan`: approved leaves ending within a day, so
that the clock shows before they are due)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.deadlines.models import Deadline
from fangxian.deadlines.registry import DeadlineKind, Step, register
from fangxian.deadlines.services import ensure_deadlines

from .models import GateAlert, LeaveApplication
from .selectors import home_campus_id, responsible_staff, visible_leaves

KIND = "gates.leave_return"
OVERDUE = "overdue"
# Leaves ending this soon get their deadline (and clock) ahead of time.
PLAN_AHEAD = timedelta(days=1)


def plan(now: datetime) -> None:
    """A deadline for each approved leave not yet back and ending within a day. Leaves
    already alerted (before the engine, `overdue_alerted_at`) get none."""
    leaves = (
        LeaveApplication.objects.filter(
            status=LeaveApplication.Status.APPROVED,
            returned_at__isnull=True,
            overdue_alerted_at__isnull=True,
            ends_at__lte=now + PLAN_AHEAD,
        )
        .exclude(pk__in=Deadline.objects.filter(kind=KIND).values("object_id"))
        .values_list("pk", "ends_at")
    )
    ensure_deadlines(KIND, LeaveApplication, [(pk, "", ends_at, {}) for pk, ends_at in leaves])


def _leave(deadline: Deadline) -> LeaveApplication:
    return deadline.target


def is_done(deadline: Deadline) -> bool:
    leave = _leave(deadline)
    return leave.returned_at is not None or leave.status != LeaveApplication.Status.APPROVED


def _text(leave: LeaveApplication) -> str:
    return _("%(name)s is not back from leave (due %(due)s, destination %(where)s)") % {
        "name": leave.student.name,
        "due": f"{timezone.localtime(leave.ends_at):%m-%d %H:%M}",
        "where": leave.destination,
    }


def alert_responsible_staff(deadline: Deadline, now: datetime) -> int:
    """The step: a gate alert to each responsible staff member (one without a recipient
    when there is none); each alert notifies its recipient after the commit."""
    from . import services

    leave = LeaveApplication.objects.select_related("student", "student__klass").get(pk=deadline.object_id)
    # The leave is marked as alerted too, as before the engine: a consumer of the previous
    # release still running during a rolling upgrade claims by this mark, so both must win it.
    if not LeaveApplication.objects.filter(pk=leave.pk, overdue_alerted_at__isnull=True).update(overdue_alerted_at=now):
        return 0
    staff = responsible_staff(leave.student, timezone.localdate(now))
    campus_id = home_campus_id(leave.student)
    for member in staff or [None]:
        services.raise_alert(
            kind=GateAlert.Kind.OVERDUE,
            message=_text(leave),
            campus_id=campus_id,
            subject=f"S{leave.student_id}",
            leave=leave,
            recipient=member,
        )
    return len(staff)


def message(deadline: Deadline, step: Step) -> tuple[str, str]:
    return _text(_leave(deadline)), ""


def describe(deadline: Deadline) -> str:
    leave = _leave(deadline)
    return f"{leave.student.name} · {leave.destination}"


def register_kind() -> DeadlineKind:
    return register(
        DeadlineKind(
            key=KIND,
            label=gettext_lazy("Back from leave"),
            model=LeaveApplication,
            steps=[Step(OVERDUE, gettext_lazy("Not back: responsible staff alerted"), timedelta(0), deliver=alert_responsible_staff)],
            is_done=is_done,
            visible=visible_leaves,
            url=lambda deadline: reverse("gates:leave_list"),
            message=message,
            subject=lambda deadline: _leave(deadline).student,
            plan=plan,
            describe=describe,
        )
    )


def alert_overdue_leaves(now: datetime | None = None) -> int:
    """Run the tick for leave returns only; returns how many leaves were alerted."""
    from fangxian.deadlines.services import tick

    return tick(now=now or timezone.now(), kinds=[KIND])[KIND][OVERDUE]
