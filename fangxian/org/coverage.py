"""Coverage gaps (不留空白): every node that needs an owner on a given day and has none.

The rules, from the notice ("把责任落到每一个年级，每一个班级，每一个专业，每一个宿舍"):

- a class needs a class teacher (班主任) on the class itself, and a counselor (辅导员) on
  the class, its grade or its major;
- majors and grades need a person responsible;
- colleges and campuses need a responsible leader (包抓领导);
- dormitory buildings need a building manager;
- every student on campus needs a one-to-one staff member (一对一).

The whole report costs a fixed handful of queries whatever the size of the university:
active units, campuses and buildings, the day's assignments for the roles above, and a
count plus one page of the students without a one-to-one. Ancestry is read from the
materialised paths in Python, so no query runs per node.

"On campus" is a hook: by default an enrolled student with a bed; the ledger app will
register its own population (students with a current stay) with
`register_student_population`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Assignment, AssignmentRole, Place, Student, Unit
from .scope import Scope


class GapKind:
    CLASS_TEACHER = "class_teacher"
    CLASS_COUNSELOR = "class_counselor"
    MAJOR_RESPONSIBLE = "major_responsible"
    GRADE_RESPONSIBLE = "grade_responsible"
    COLLEGE_LEADER = "college_leader"
    CAMPUS_LEADER = "campus_leader"
    BUILDING_MANAGER = "building_manager"
    ONE_TO_ONE = "one_to_one"

    LABELS = {
        CLASS_TEACHER: _("Classes without a class teacher (班主任)"),
        CLASS_COUNSELOR: _("Classes without a counselor (辅导员)"),
        MAJOR_RESPONSIBLE: _("Majors without a person responsible"),
        GRADE_RESPONSIBLE: _("Grades without a person responsible"),
        COLLEGE_LEADER: _("Colleges without a responsible leader (包抓领导)"),
        CAMPUS_LEADER: _("Campuses without a responsible leader (包抓领导)"),
        BUILDING_MANAGER: _("Dormitory buildings without a building manager"),
        ONE_TO_ONE: _("Students on campus without a one-to-one staff member"),
    }
    # The assignment that closes the gap: (role, target field).
    FIX = {
        CLASS_TEACHER: (AssignmentRole.CLASS_TEACHER, "unit"),
        CLASS_COUNSELOR: (AssignmentRole.COUNSELOR, "unit"),
        MAJOR_RESPONSIBLE: (AssignmentRole.RESPONSIBLE, "unit"),
        GRADE_RESPONSIBLE: (AssignmentRole.RESPONSIBLE, "unit"),
        COLLEGE_LEADER: (AssignmentRole.LEADER, "unit"),
        CAMPUS_LEADER: (AssignmentRole.LEADER, "place"),
        BUILDING_MANAGER: (AssignmentRole.BUILDING_MANAGER, "place"),
        ONE_TO_ONE: (AssignmentRole.ONE_TO_ONE, "student"),
    }
    NODE_KINDS = (CLASS_TEACHER, CLASS_COUNSELOR, MAJOR_RESPONSIBLE, GRADE_RESPONSIBLE, COLLEGE_LEADER, CAMPUS_LEADER, BUILDING_MANAGER)
    ALL = (*NODE_KINDS, ONE_TO_ONE)


# -- the student population hook -------------------------------------------------------

StudentPopulation = Callable[[date], QuerySet]


def students_with_a_bed(day: date) -> QuerySet:
    """Default "on campus": enrolled and holding a bed."""
    return Student.objects.filter(status=Student.Status.ENROLLED, bed__isnull=False)


_population: list[StudentPopulation] = [students_with_a_bed]


def register_student_population(provider: StudentPopulation) -> None:
    """Replace what "a student on campus on day D" means (the last registration wins).
    The provider returns a Student queryset; it must not evaluate it."""
    _population.append(provider)


def students_on_campus(day: date) -> QuerySet:
    return _population[-1](day)


def students_without_one_to_one(*, day: date, scope: Scope | None = None, campus: Place | None = None, college: Unit | None = None):
    """Students on campus on `day` who have no active one-to-one staff member: a lazy queryset
    other apps may filter further (the ledger, the dashboard)."""
    qs = students_on_campus(day)
    if scope is not None:
        qs = scope.students(qs)
    if campus is not None:
        qs = qs.filter(bed__path__startswith=campus.path)
    if college is not None:
        qs = qs.filter(klass__path__startswith=college.path)
    covered = Assignment.objects.active_on(day).filter(role=AssignmentRole.ONE_TO_ONE, student_id=OuterRef("pk"))
    return qs.filter(~Exists(covered))


# -- the report ------------------------------------------------------------------------


@dataclass
class Gap:
    kind: str
    node: Unit | Place
    trail: list[str]  # names of the ancestors, outermost first

    @property
    def role(self) -> str:
        return GapKind.FIX[self.kind][0]

    @property
    def target_field(self) -> str:
        return GapKind.FIX[self.kind][1]


@dataclass
class CoverageReport:
    day: date
    gaps: dict[str, list[Gap]] = field(default_factory=dict)
    students: QuerySet | None = None
    student_count: int = 0
    spatial_included: bool = True

    @property
    def counts(self) -> dict[str, int]:
        counts = {kind: len(self.gaps.get(kind, [])) for kind in GapKind.NODE_KINDS}
        counts[GapKind.ONE_TO_ONE] = self.student_count
        return counts

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def sections(self):
        """(kind, label, gaps) for the node kinds, in a stable order."""
        return [(kind, GapKind.LABELS[kind], self.gaps.get(kind, [])) for kind in GapKind.NODE_KINDS]


_UNIT_ROLES = (AssignmentRole.CLASS_TEACHER, AssignmentRole.COUNSELOR, AssignmentRole.RESPONSIBLE, AssignmentRole.LEADER)
_PLACE_ROLES = (AssignmentRole.LEADER, AssignmentRole.BUILDING_MANAGER)


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def coverage_report(*, day: date, scope: Scope, campus: Place | None = None, college: Unit | None = None) -> CoverageReport:
    report = CoverageReport(day=day, spatial_included=college is None)

    # 1. Units (one query). All active units are read so that ancestry and the campus a
    #    class inherits from its college can be resolved in memory; scope filters after.
    units = list(Unit.objects.active().only("pk", "name", "kind", "path", "parent_id", "campus_id").order_by("path"))
    by_id = {unit.pk: unit for unit in units}
    visible_paths = None if scope.everything else scope.unit_paths

    def visible(path: str, paths) -> bool:
        return paths is None or any(path.startswith(p) for p in paths)

    def effective_campus(unit: Unit) -> int | None:
        for ancestor_id in reversed(_ids(unit.path)):
            ancestor = by_id.get(ancestor_id)
            if ancestor is not None and ancestor.campus_id:
                return ancestor.campus_id
        return None

    def trail(node, lookup) -> list[str]:
        return [lookup[i].name for i in _ids(node.path)[:-1] if i in lookup]

    # 2. The day's assignments for the roles that close gaps (one query).
    held: dict[str, set[int]] = {role: set() for role in _UNIT_ROLES}
    held_places: dict[str, set[int]] = {role: set() for role in _PLACE_ROLES}
    rows = (
        Assignment.objects.active_on(day)
        .filter(role__in=set(_UNIT_ROLES) | set(_PLACE_ROLES), student__isnull=True)
        .values_list("role", "unit_id", "place_id")
    )
    for role, unit_id, place_id in rows:
        if unit_id and role in held:
            held[role].add(unit_id)
        if place_id and role in held_places:
            held_places[role].add(place_id)

    wanted_unit_kinds = {Unit.Kind.CLASS, Unit.Kind.GRADE, Unit.Kind.MAJOR, Unit.Kind.COLLEGE}
    for unit in units:
        if unit.kind not in wanted_unit_kinds or not visible(unit.path, visible_paths):
            continue
        if college is not None and not unit.path.startswith(college.path):
            continue
        if campus is not None and effective_campus(unit) != campus.pk:
            continue
        gap_kinds = []
        if unit.kind == Unit.Kind.CLASS:
            if unit.pk not in held[AssignmentRole.CLASS_TEACHER]:
                gap_kinds.append(GapKind.CLASS_TEACHER)
            # A counselor may be assigned to the class, its grade or its major.
            if not set(_ids(unit.path)[-3:]) & held[AssignmentRole.COUNSELOR]:
                gap_kinds.append(GapKind.CLASS_COUNSELOR)
        elif unit.kind == Unit.Kind.GRADE and unit.pk not in held[AssignmentRole.RESPONSIBLE]:
            gap_kinds.append(GapKind.GRADE_RESPONSIBLE)
        elif unit.kind == Unit.Kind.MAJOR and unit.pk not in held[AssignmentRole.RESPONSIBLE]:
            gap_kinds.append(GapKind.MAJOR_RESPONSIBLE)
        elif unit.kind == Unit.Kind.COLLEGE and unit.pk not in held[AssignmentRole.LEADER]:
            gap_kinds.append(GapKind.COLLEGE_LEADER)
        for kind in gap_kinds:
            report.gaps.setdefault(kind, []).append(Gap(kind, unit, trail(unit, by_id)))

    # 3. Campuses and dormitory buildings (one query). Buildings belong to no college, so a
    #    college filter leaves the spatial gaps out.
    if report.spatial_included:
        places = list(
            Place.objects.active()
            .filter(kind__in=[Place.Kind.CAMPUS, Place.Kind.BUILDING])
            .only("pk", "name", "kind", "path", "use", "parent_id")
            .order_by("path")
        )
        places_by_id = {place.pk: place for place in places}
        visible_place_paths = None if scope.everything else scope.place_paths
        for place in places:
            if not visible(place.path, visible_place_paths):
                continue
            if campus is not None and not place.path.startswith(campus.path):
                continue
            if place.kind == Place.Kind.CAMPUS and place.pk not in held_places[AssignmentRole.LEADER]:
                report.gaps.setdefault(GapKind.CAMPUS_LEADER, []).append(Gap(GapKind.CAMPUS_LEADER, place, []))
            elif (
                place.kind == Place.Kind.BUILDING
                and place.use == Place.Use.DORM
                and place.pk not in held_places[AssignmentRole.BUILDING_MANAGER]
            ):
                report.gaps.setdefault(GapKind.BUILDING_MANAGER, []).append(
                    Gap(GapKind.BUILDING_MANAGER, place, trail(place, places_by_id))
                )

    # 4. Students (a count now, one page later when the template reads it).
    students = students_without_one_to_one(day=day, scope=scope, campus=campus, college=college)
    report.students = students.select_related("klass", "bed").order_by("klass__path", "student_number")
    report.student_count = students.count()
    return report
