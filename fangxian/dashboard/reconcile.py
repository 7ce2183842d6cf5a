"""Headcount reconciliation (底数清): for a college and a day, the ledger's count, the
college's reported headcount and the gate presence side by side, and every difference
explained by the named students behind it.

- In the ledger, scanned out and not back: the ledger says on campus, the last allowed
  scan (within a week) was leaving. Gate presence is one lower for each.
- Out on an approved leave: as above, but the student's approved leave runs at the end of
  the day (now, for today): out with permission, explained, not an anomaly.
- At the fever clinic: as above, but the student was referred to the affiliated hospital's
  fever clinic and is not back on campus (care's fever referrals): explained.
- At the fever clinic without a scan-out: referred and not back, but the gates last saw the
  student come in (or never saw them: taken from the dorm by the clinic's car). Gate
  presence still counts them; they are absent all the same, and named as such.
- Scanned in, not in the ledger: the last scan was entering, the ledger has no stay on
  campus for that day. Gate presence is one higher for each.
- Changed in the ledger after the report: the report was submitted before these students
  arrived or left; the report differs by their number.
Whatever the named students do not explain is shown as an unexplained remainder.

Reads the roll-ups and one college's rows of the ledger, never the raw scans.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import reduce

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangxian.care import selectors as care
from fangxian.gates import selectors as gates
from fangxian.ledger import selectors as ledger
from fangxian.org.models import Assignment, AssignmentRole, Student, Unit

from .models import ClassDay, CollegeDay
from .rollup import IN, OUT, leave_moment, presence_states

OUT_NOT_BACK = "out_not_back"
ON_LEAVE = "on_leave"
FEVER_REFERRAL = "fever_referral"
FEVER_NO_SCAN = "fever_no_scan"
IN_UNEXPECTED = "in_unexpected"
ARRIVED_AFTER_REPORT = "arrived_after_report"
LEFT_AFTER_REPORT = "left_after_report"

REASONS = {
    OUT_NOT_BACK: _("In the ledger, scanned out and not back"),
    ON_LEAVE: _("In the ledger, out on an approved leave"),
    FEVER_REFERRAL: _("In the ledger, referred to the fever clinic"),
    FEVER_NO_SCAN: _("In the ledger, referred to the fever clinic without a gate scan-out"),
    IN_UNEXPECTED: _("Scanned in, not in the ledger"),
    ARRIVED_AFTER_REPORT: _("On campus in the ledger after the report was submitted"),
    LEFT_AFTER_REPORT: _("Off campus in the ledger after the report was submitted"),
}
EXPLAINED = frozenset({ON_LEAVE, FEVER_REFERRAL, FEVER_NO_SCAN})


@dataclass
class Named:
    reason: str
    student: Student
    at: datetime | None = None
    overdue: bool = False
    staff: list[str] = field(default_factory=list)

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])

    @property
    def explained(self) -> bool:
        """Away with a reason on record (a leave, the fever clinic): nobody to chase."""
        return self.reason in EXPLAINED


@dataclass
class Reconciliation:
    college: Unit
    day: date
    ledger: int
    present: int
    reported: int | None
    reported_at: datetime | None
    named: list[Named]

    def of(self, reason: str) -> list[Named]:
        return [n for n in self.named if n.reason == reason]

    @property
    def gate_gap(self) -> int:
        return self.present - self.ledger

    @property
    def gate_unexplained(self) -> int:
        away = len(self.of(OUT_NOT_BACK)) + len(self.of(ON_LEAVE)) + len(self.of(FEVER_REFERRAL))
        return self.gate_gap - (len(self.of(IN_UNEXPECTED)) - away)

    @property
    def report_gap(self) -> int | None:
        return None if self.reported is None else self.reported - self.ledger

    @property
    def report_unexplained(self) -> int | None:
        if self.reported is None:
            return None
        # The report was made before these changes: the ledger moved by (arrived − left).
        return self.report_gap + len(self.of(ARRIVED_AFTER_REPORT)) - len(self.of(LEFT_AFTER_REPORT))


def _responsible(students: list[Student], day: date) -> dict[int, list[str]]:
    """Names of each student's one-to-one staff member, else the counselors of their class
    or a unit above it (two queries for any number of students)."""
    active = Assignment.objects.active_on(day).filter(staff__is_active=True).select_related("staff")
    names: dict[int, list[str]] = defaultdict(list)
    for a in active.filter(role=AssignmentRole.ONE_TO_ONE, student_id__in=[s.pk for s in students]):
        if a.staff.name not in names[a.student_id]:
            names[a.student_id].append(a.staff.name)
    units: dict[int, list[str]] = defaultdict(list)
    unit_ids = {uid for s in students for uid in [*s.klass.ancestor_ids(), s.klass_id]}
    for a in active.filter(role__in=[AssignmentRole.COUNSELOR, AssignmentRole.CLASS_TEACHER], unit_id__in=unit_ids):
        units[a.unit_id].append(a.staff.name)
    for s in students:
        if not names[s.pk]:
            names[s.pk] = list(dict.fromkeys(n for uid in [s.klass_id, *reversed(s.klass.ancestor_ids())] for n in units.get(uid, [])))
    return names


def reconcile(college: Unit, day: date) -> Reconciliation:
    return reconcile_many([college], day)[college.pk]


def reconcile_many(colleges: Iterable[Unit], day: date) -> dict[int, Reconciliation]:
    """`reconcile` for several colleges at once ({college id: reconciliation}), in a fixed
    number of queries plus one per college that reported (the supervision rule checks every
    college of the day)."""
    colleges = list(colleges)
    if not colleges:
        return {}
    ids = [c.pk for c in colleges]
    counts: dict[int, list[int]] = {pk: [0, 0] for pk in ids}
    for college_id, ledger_n, present_n in ClassDay.objects.filter(day=day, college_id__in=ids).values_list(
        "college_id", "ledger", "present"
    ):
        counts[college_id][0] += ledger_n
        counts[college_id][1] += present_n
    reports = {cd.college_id: cd for cd in CollegeDay.objects.filter(day=day, college_id__in=ids)}

    if len(ids) == 1:  # a page: the college's own rows
        placements = ledger.on_campus_placements_of_college(day, ids[0])
    else:
        placements = [row for row in ledger.on_campus_placements(day) if row[1] in counts]
    placed: dict[int, set[int]] = {pk: set() for pk in ids}
    for student_id, college_id, *_rest in placements:
        placed[college_id].add(student_id)
    # The students of each college (by their class), and their last scans.
    of_colleges = Student.objects.filter(reduce(operator.or_, (Q(klass__path__startswith=c.path) for c in colleges)))
    by_path: dict[str, list[int]] = {}  # a class's path ("/1/5/23/"): the colleges above it
    college_of: dict[int, list[int]] = {}
    for student_id, path in of_colleges.values_list("pk", "klass__path"):
        if path not in by_path:
            by_path[path] = [int(part) for part in path.strip("/").split("/") if int(part) in counts]
        college_of[student_id] = by_path[path]
    states: dict[int, dict] = {pk: {} for pk in ids}
    for student_id, value in presence_states(day, student_ids=of_colleges.values("pk")).items():
        for college_id in college_of.get(student_id, ()):
            states[college_id][student_id] = value
    moment = leave_moment(day)
    overdue = gates.overdue_student_ids_at(moment)
    on_leave = gates.on_leave_student_ids_at(moment)
    fever = care.fever_referrals_at(moment)

    found: dict[int, list[tuple[str, int, datetime | None]]] = {}
    for college in colleges:
        here, state, cd = placed[college.pk], states[college.pk], reports.get(college.pk)
        referred = {sid: at for sid, at in fever.items() if sid in here}
        items: list[tuple[str, int, datetime | None]] = []
        for student_id in here:
            if student_id in state and state[student_id][1] == OUT:
                reason = ON_LEAVE if student_id in on_leave else FEVER_REFERRAL if student_id in referred else OUT_NOT_BACK
                items.append((reason, student_id, state[student_id][2]))
            elif student_id in referred:
                # Sent to the clinic from the dorm or the gate without a scan: absent all the same.
                items.append((FEVER_NO_SCAN, student_id, referred[student_id]))
        for student_id, (_campus, direction, at) in state.items():
            if direction == IN and student_id not in here:
                items.append((IN_UNEXPECTED, student_id, at))
        if cd is not None and cd.reported_headcount is not None and cd.reported_at is not None:
            for student_id, on_campus, at in ledger.status_changes(day=day, college_id=college.pk, since=cd.reported_at):
                items.append((ARRIVED_AFTER_REPORT if on_campus else LEFT_AFTER_REPORT, student_id, at))
        found[college.pk] = items

    wanted = {sid for items in found.values() for _r, sid, _a in items}
    students = {s.pk: s for s in Student.objects.filter(pk__in=wanted).select_related("klass")} if wanted else {}
    staff = _responsible(list(students.values()), day) if students else {}
    result = {}
    for college in colleges:
        items = sorted(found[college.pk], key=lambda f: (f[0], students[f[1]].student_number if f[1] in students else ""))
        named = [Named(reason, students[sid], at, sid in overdue, staff.get(sid, [])) for reason, sid, at in items if sid in students]
        cd = reports.get(college.pk)
        reported, reported_at = (cd.reported_headcount, cd.reported_at) if cd else (None, None)
        ledger_n, present_n = counts[college.pk]
        result[college.pk] = Reconciliation(college, day, ledger_n, present_n, reported, reported_at, named)
    return result
