"""The student list of one class on one day (the last step of the drill-down)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.gates import selectors as gates
from fangxian.ledger import selectors as ledger
from fangxian.org.models import Student, Unit

from .reconcile import _responsible
from .rollup import IN, leave_moment, presence_states


@dataclass
class StudentRow:
    student: Student
    in_ledger: bool
    direction: str | None
    at: datetime | None
    overdue: bool
    staff: list[str]
    on_leave: bool = False

    @property
    def direction_label(self) -> str:
        return {"in": _("Entering"), "out": _("Leaving")}.get(self.direction or "", _("no scan this week"))

    @property
    def at_text(self) -> str:
        return timezone.localtime(self.at).strftime("%m-%d %H:%M") if self.at else ""

    @property
    def staff_text(self) -> str:
        return "、".join(self.staff)

    @property
    def flag(self) -> str:
        if self.in_ledger and self.direction == "out":
            return "on_leave" if self.on_leave else "out_not_back"
        if not self.in_ledger and self.direction == IN:
            return "in_unexpected"
        return ""


def class_students(klass: Unit, college: Unit, day: date, *, user=None) -> list[StudentRow]:
    """Students of the class on campus by the ledger or by the gates, with their last scan;
    with `user`, only the students in their scope (a campus's leader sees the class's
    students who live on their campus)."""
    placed = {s for s, _c, k, _p in ledger.on_campus_placements_of_college(day, college.pk) if k == klass.pk}
    state = presence_states(day, student_ids=Student.objects.filter(klass=klass).values("pk"))
    ids = placed | {s for s, (_c, d, _a) in state.items() if d == IN}
    students = Student.objects.filter(pk__in=ids, klass=klass)
    if user is not None:
        students = students.visible_to(user)
    students = list(students.select_related("klass").order_by("student_number"))
    staff = _responsible(students, day)
    moment = leave_moment(day)
    overdue = gates.overdue_student_ids_at(moment)
    on_leave = gates.on_leave_student_ids_at(moment)
    return [
        StudentRow(
            s,
            s.pk in placed,
            state[s.pk][1] if s.pk in state else None,
            state[s.pk][2] if s.pk in state else None,
            s.pk in overdue,
            staff.get(s.pk, []),
            s.pk in on_leave,
        )
        for s in students
    ]
